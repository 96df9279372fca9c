package retail.customers.server.audit;

import static retail.customers.db.Tables.AUDIT_EVENT;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import retail.customers.server.auth.Caller;

/**
 * The tenant's audit trail: what was done that must be accountable later
 * (erasures, exports), when and with which key. Written in the transaction of
 * the action itself, so an action is never without its record. Details must
 * not hold personal data: an erasure's record outlives the data it erased.
 */
public final class AuditLog {
  private AuditLog() {}

  public static void record(DSLContext tx, Caller caller, String action, String resource, Map<String, String> details) {
    Struct.Builder json = Struct.newBuilder();
    details.forEach((k, v) -> json.putFields(k, Value.newBuilder().setStringValue(v).build()));
    try {
      tx.insertInto(AUDIT_EVENT)
          .set(AUDIT_EVENT.TENANT_ID, caller.tenantId())
          .set(AUDIT_EVENT.API_KEY_ID, caller.apiKeyId())
          .set(AUDIT_EVENT.ACTION, action)
          .set(AUDIT_EVENT.RESOURCE, resource)
          .set(AUDIT_EVENT.DETAILS, JSONB.valueOf(JsonFormat.printer().omittingInsignificantWhitespace().print(json)))
          .execute();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("audit details cannot be printed", e);
    }
  }
}
