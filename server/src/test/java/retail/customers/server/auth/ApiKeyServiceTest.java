package retail.customers.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.metadata;
import static retail.customers.server.testing.Errors.reason;

import com.google.protobuf.Timestamp;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.ApiServices;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.ApiKey;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.CreateApiKeyRequest;
import retail.customers.v1.CreateApiKeyResponse;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.GetApiKeyRequest;
import retail.customers.v1.ListApiKeysRequest;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.RevokeApiKeyRequest;
import retail.customers.v1.SearchCustomersRequest;

/** Scoped keys: what each key may do, listing, revoking and expiry (api_keys.proto). */
class ApiKeyServiceTest {
  private static final TestClock CLOCK = new TestClock();
  @RegisterExtension static final ApiServer api = new ApiServer(CLOCK);

  private static ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys(String key) {
    return ApiKeyServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key));
  }

  private static CreateApiKeyResponse create(String displayName, String... scopes) {
    return keys(api.tenantA().key()).createApiKey(CreateApiKeyRequest.newBuilder()
        .setApiKey(ApiKey.newBuilder().setDisplayName(displayName).addAllScopes(List.of(scopes))).build());
  }

  private static Timestamp at(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  @Test
  void aKeyDoesWhatItsScopesAllowAndIsRefusedTheRestNamingTheScope() {
    String register = create("Register 1", Scopes.READ, Scopes.WRITE).getKey();

    Customers.create(api.customers(register), Customers.valid());
    api.customers(register).searchCustomers(SearchCustomersRequest.newBuilder().setQuery("x").build());
    api.customerTypes(register).listCustomerTypes(ListCustomerTypesRequest.getDefaultInstance());
    StatusRuntimeException export = failure(() ->
        api.customers(register).exportCustomers(ExportCustomersRequest.getDefaultInstance()).hasNext());
    StatusRuntimeException admin = failure(() -> keys(register).listApiKeys(ListApiKeysRequest.getDefaultInstance()));

    assertThat(code(export)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(reason(export)).isEqualTo("MISSING_SCOPE");
    assertThat(metadata(export)).containsEntry("scope", Scopes.EXPORT);
    assertThat(export.getStatus().getDescription()).contains(Scopes.EXPORT);
    assertThat(metadata(admin)).containsEntry("scope", Scopes.ADMIN);
  }

  @Test
  void aReadOnlyKeyWritesNothing() {
    String reader = create("Reporting", Scopes.READ).getKey();

    StatusRuntimeException e = failure(() -> api.customers(reader).createCustomer(
        CreateCustomerRequest.newBuilder().setCustomer(Customers.valid().setExternalReference("read-only-" + System.nanoTime())).build()));

    assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(metadata(e)).containsEntry("scope", Scopes.WRITE);
  }

  @Test
  void everyMethodOfEveryApiServiceNeedsAScope() {
    List<String> methods = new ArrayList<>();
    for (ServerServiceDefinition service : api.services().definitions()) {
      service.getMethods().forEach(m -> methods.add(m.getMethodDescriptor().getFullMethodName()));
    }
    assertThat(methods).hasSizeGreaterThan(30);
    assertThat(methods).allSatisfy(method -> assertThat(Scopes.needed(method)).as(method).isPresent());
    assertThat(Scopes.methods()).containsExactlyInAnyOrderElementsOf(methods);
  }

  @Test
  void keysAreListedWithoutSecretsAndARevokedKeyStopsAtOnce() {
    CreateApiKeyResponse created = create("Till 7", Scopes.READ);
    String secret = created.getKey();
    api.customers(secret).searchCustomers(SearchCustomersRequest.newBuilder().setQuery("x").build());

    List<ApiKey> listed = keys(api.tenantA().key()).listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList();
    assertThat(listed).contains(created.getApiKey());
    assertThat(created.getApiKey().getKeyPrefix()).isEqualTo(secret.substring(0, 10));
    assertThat(created.getApiKey().toString()).doesNotContain(secret.substring(10));

    ApiKey revoked = keys(api.tenantA().key()).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(created.getApiKey().getName()).build());

    assertThat(revoked.hasRevokeTime()).isTrue();
    StatusRuntimeException e = failure(() -> api.customers(secret).searchCustomers(SearchCustomersRequest.newBuilder().setQuery("x").build()));
    assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(keys(api.tenantA().key()).listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList())
        .extracting(ApiKey::getName).doesNotContain(revoked.getName());
    assertThat(keys(api.tenantA().key()).listApiKeys(ListApiKeysRequest.newBuilder().setShowRevoked(true).build()).getApiKeysList())
        .contains(revoked);
    assertThat(keys(api.tenantA().key()).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(revoked.getName()).build()))
        .as("revoking again changes nothing").isEqualTo(revoked);
  }

  @Test
  void anotherServerStopsTrustingARevokedKeyWithinASecond() {
    TestClock otherClock = new TestClock();
    ApiKeys otherServer = new ApiKeys(api.database().dsl(), otherClock);
    CreateApiKeyResponse created = create("Till 8", Scopes.READ);
    assertThat(otherServer.resolve(created.getKey())).isPresent();

    keys(api.tenantA().key()).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(created.getApiKey().getName()).build());
    otherClock.advance(ApiKeys.CACHE_TIME.plusMillis(1));

    assertThat(otherServer.resolve(created.getKey())).isEmpty();
  }

  @Test
  void anExpiredKeyStopsAtItsExpiry() {
    CreateApiKeyResponse created = keys(api.tenantA().key()).createApiKey(CreateApiKeyRequest.newBuilder()
        .setApiKey(ApiKey.newBuilder().setDisplayName("Temp").addScopes(Scopes.READ)
            .setExpireTime(at(CLOCK.instant().plus(Duration.ofHours(1)))))
        .build());
    SearchCustomersRequest search = SearchCustomersRequest.newBuilder().setQuery("x").build();
    api.customers(created.getKey()).searchCustomers(search);

    CLOCK.advance(Duration.ofHours(1));

    assertThat(code(failure(() -> api.customers(created.getKey()).searchCustomers(search)))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(keys(api.tenantA().key()).getApiKey(GetApiKeyRequest.newBuilder().setName(created.getApiKey().getName()).build())
        .getExpireTime()).isEqualTo(created.getApiKey().getExpireTime());
  }

  @Test
  void badKeysAreRefusedNamingTheField() {
    StatusRuntimeException e = failure(() -> keys(api.tenantA().key()).createApiKey(CreateApiKeyRequest.newBuilder()
        .setApiKey(ApiKey.newBuilder().addScopes("customers.everything").setExpireTime(at(CLOCK.instant().minusSeconds(1))))
        .build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(retail.customers.server.testing.Errors.violations(e))
        .containsOnlyKeys("api_key.display_name", "api_key.scopes[0]", "api_key.expire_time");
  }

  @Test
  void anotherStoresKeyIsNotFound() {
    ApiKey other = keys(api.tenantB().key()).createApiKey(CreateApiKeyRequest.newBuilder()
        .setApiKey(ApiKey.newBuilder().setDisplayName("B's").addScopes(Scopes.READ)).build()).getApiKey();

    assertThat(code(failure(() -> keys(api.tenantA().key()).getApiKey(GetApiKeyRequest.newBuilder().setName(other.getName()).build()))))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(failure(() -> keys(api.tenantA().key()).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(other.getName()).build()))))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(Set.copyOf(keys(api.tenantA().key()).listApiKeys(ListApiKeysRequest.newBuilder().setShowRevoked(true).build()).getApiKeysList()))
        .doesNotContain(other);
  }
}
