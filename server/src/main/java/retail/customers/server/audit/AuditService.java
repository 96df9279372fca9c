package retail.customers.server.audit;

import static retail.customers.db.Tables.AUDIT_EVENT;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import retail.customers.db.tables.records.AuditEventRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Unary;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.paging.PageTokens;
import retail.customers.v1.AuditEvent;
import retail.customers.v1.AuditServiceGrpc;
import retail.customers.v1.ListAuditEventsRequest;
import retail.customers.v1.ListAuditEventsResponse;

/** AuditService: the tenant's audit trail, newest first, for its admins. */
public final class AuditService extends AuditServiceGrpc.AuditServiceImplBase {
  /** The actions recorded ({@link AuditLog}'s callers), as the proto lists them. */
  static final Set<String> ACTIONS =
      Set.of("CUSTOMER_ERASED", "CUSTOMERS_MERGED", "CUSTOMERS_EXPORTED", "API_KEY_CREATED", "API_KEY_REVOKED");
  private static final int DEFAULT_SIZE = 50;
  private static final int MAX_SIZE = 1000;

  private final DSLContext dsl;

  public AuditService(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public void listAuditEvents(ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> response) {
    UnknownFields.reject(request);
    Caller caller = Caller.current();
    if (!request.getAction().isEmpty() && !ACTIONS.contains(request.getAction())) {
      throw ApiException.invalidField("action", "is not an action of the audit trail: one of " + String.join(", ", ACTIONS.stream().sorted().toList()));
    }
    int size = PageTokens.pageSize(request.getPageSize(), DEFAULT_SIZE, MAX_SIZE);
    Long before = request.getPageToken().isEmpty() ? null : parseId(PageTokens.decode(caller, request, request.getPageToken(), 1).getFirst());
    List<AuditEventRecord> rows = dsl.selectFrom(AUDIT_EVENT)
        .where(AUDIT_EVENT.TENANT_ID.eq(caller.tenantId()))
        .and(request.getAction().isEmpty() ? DSL.noCondition() : AUDIT_EVENT.ACTION.eq(request.getAction()))
        .and(before == null ? DSL.noCondition() : AUDIT_EVENT.ID.lt(before))
        .orderBy(AUDIT_EVENT.ID.desc())
        .limit(size + 1)
        .fetch();
    ListAuditEventsResponse.Builder out = ListAuditEventsResponse.newBuilder();
    rows.stream().limit(size).forEach(row -> out.addAuditEvents(toProto(row)));
    if (rows.size() > size) {
      out.setNextPageToken(PageTokens.encode(caller, request, List.of(rows.get(size - 1).getId().toString())));
    }
    Unary.reply(response, out.build());
  }

  private static long parseId(String id) {
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw ApiException.invalidPageToken("not a page token of this API");
    }
  }

  private static AuditEvent toProto(AuditEventRecord row) {
    AuditEvent.Builder out = AuditEvent.newBuilder()
        .setName("auditEvents/" + row.getId())
        .setEventTime(ProtoTime.of(row.getEventTime()))
        .setAction(row.getAction());
    if (row.getApiKeyId() != null) {
      out.setApiKey(ResourceNames.format(ResourceNames.API_KEYS, row.getApiKeyId()));
    }
    if (row.getResource() != null) {
      out.setResource(row.getResource());
    }
    try {
      Struct.Builder details = Struct.newBuilder();
      JsonFormat.parser().merge(row.getDetails().data(), details);
      details.getFieldsMap().forEach((key, value) -> out.putDetails(key, value.getStringValue()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("audit event " + row.getId() + " has unreadable details", e);
    }
    return out.build();
  }
}
