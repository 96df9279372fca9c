package retail.customers.server.auth;

import static retail.customers.server.grpc.ResourceNames.API_KEYS;

import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.ApiKeyRecord;
import retail.customers.server.audit.AuditLog;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Unary;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.grpc.Violations;
import retail.customers.server.paging.NamePages;
import retail.customers.server.paging.PageTokens;
import retail.customers.server.validation.Texts;
import retail.customers.v1.ApiKey;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.CreateApiKeyRequest;
import retail.customers.v1.CreateApiKeyResponse;
import retail.customers.v1.GetApiKeyRequest;
import retail.customers.v1.ListApiKeysRequest;
import retail.customers.v1.ListApiKeysResponse;
import retail.customers.v1.RevokeApiKeyRequest;

/** The ApiKeyService API over {@link ApiKeys}; every call is audited but the reads. */
public final class ApiKeyService extends ApiKeyServiceGrpc.ApiKeyServiceImplBase {
  private final DSLContext dsl;
  private final ApiKeys keys;
  private final Clock clock;

  public ApiKeyService(DSLContext dsl, ApiKeys keys, Clock clock) {
    this.dsl = dsl;
    this.keys = keys;
    this.clock = clock;
  }

  @Override
  public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
    UnknownFields.reject(request);
    Caller caller = Caller.current();
    ApiKey input = request.getApiKey();
    Violations violations = new Violations();
    String displayName = Texts.required(violations, "api_key.display_name", input.getDisplayName(), 100);
    List<String> scopes = scopes(violations, input.getScopesList());
    OffsetDateTime expireTime = null;
    if (input.hasExpireTime()) {
      if (!ProtoTime.isValid(input.getExpireTime())) {
        violations.add("api_key.expire_time", "is not a valid time");
      } else {
        expireTime = ProtoTime.toOffsetDateTime(input.getExpireTime());
        if (!expireTime.toInstant().isAfter(clock.instant())) {
          violations.add("api_key.expire_time", "must be in the future");
        }
      }
    }
    violations.throwIfAny();
    OffsetDateTime expiry = expireTime;
    CreateApiKeyResponse created = dsl.transactionResult(c -> {
      ApiKeys.MintedKey minted = keys.mint(c.dsl(), caller.tenantId(), displayName, scopes, expiry);
      String name = ResourceNames.format(API_KEYS, minted.keyId());
      AuditLog.record(c.dsl(), caller, "API_KEY_CREATED", name, Map.of("scopes", String.join(" ", scopes)));
      return CreateApiKeyResponse.newBuilder()
          .setApiKey(toProto(keys.find(c.dsl(), caller.tenantId(), minted.keyId()).orElseThrow()))
          .setKey(minted.key())
          .build();
    });
    Unary.reply(response, created);
  }

  /** The requested scopes, each known, in the order of {@link Scopes#ALL}. */
  private static List<String> scopes(Violations violations, List<String> requested) {
    if (requested.isEmpty()) {
      violations.add("api_key.scopes", "must name at least one of " + String.join(", ", Scopes.ALL));
    }
    Set<String> known = new LinkedHashSet<>();
    for (int i = 0; i < requested.size(); i++) {
      String scope = requested.get(i);
      if (Scopes.ALL.contains(scope)) {
        known.add(scope);
      } else {
        violations.add("api_key.scopes[" + i + "]", "is not a scope: one of " + String.join(", ", Scopes.ALL));
      }
    }
    return Scopes.ALL.stream().filter(known::contains).toList();
  }

  @Override
  public void getApiKey(GetApiKeyRequest request, StreamObserver<ApiKey> response) {
    Caller caller = Caller.current();
    UUID id = ResourceNames.parseUuid(request.getName(), API_KEYS, "name");
    Unary.reply(response, toProto(keys.find(dsl, caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()))));
  }

  @Override
  public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
    UnknownFields.reject(request);
    Caller caller = Caller.current();
    NamePages.Page<ApiKeyRecord> page =
        NamePages.of(caller, request, request.getPageSize(), request.getPageToken(),
            (name, id, limit) -> keys.page(caller.tenantId(), name, PageTokens.uuid(id), limit, request.getShowRevoked()),
            ApiKeyRecord::getDisplayName, ApiKeyRecord::getId);
    List<ApiKey> listed = new ArrayList<>();
    page.rows().forEach(row -> listed.add(toProto(row)));
    Unary.reply(response, ListApiKeysResponse.newBuilder().addAllApiKeys(listed).setNextPageToken(page.nextPageToken()).build());
  }

  @Override
  public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
    Caller caller = Caller.current();
    UUID id = ResourceNames.parseUuid(request.getName(), API_KEYS, "name");
    ApiKeyRecord revoked = dsl.transactionResult(c -> {
      ApiKeyRecord before = keys.find(c.dsl(), caller.tenantId(), id).orElseThrow(() -> ApiException.notFound(request.getName()));
      if (before.getRevokeTime() != null) {
        return before;
      }
      AuditLog.record(c.dsl(), caller, "API_KEY_REVOKED", request.getName(), Map.of());
      return keys.revoke(c.dsl(), caller.tenantId(), id).orElseThrow();
    });
    keys.forgetResolved();
    Unary.reply(response, toProto(revoked));
  }

  private static ApiKey toProto(ApiKeyRecord row) {
    ApiKey.Builder out = ApiKey.newBuilder()
        .setName(ResourceNames.format(API_KEYS, row.getId()))
        .setDisplayName(row.getDisplayName())
        .addAllScopes(List.of(row.getScopes()))
        .setKeyPrefix(row.getKeyPrefix())
        .setCreateTime(ProtoTime.of(row.getCreateTime()));
    if (row.getExpireTime() != null) {
      out.setExpireTime(ProtoTime.of(row.getExpireTime()));
    }
    if (row.getRevokeTime() != null) {
      out.setRevokeTime(ProtoTime.of(row.getRevokeTime()));
    }
    return out.build();
  }
}
