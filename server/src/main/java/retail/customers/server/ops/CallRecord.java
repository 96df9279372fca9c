package retail.customers.server.ops;

import io.grpc.Context;
import java.util.UUID;

/**
 * What the call log and metrics learn about a call while it runs: the
 * tenant, once authenticated, and the request id. Created for each call by
 * {@link CallObserver} and reachable from the call's context, so that the
 * interceptors inside it (authentication) can fill it in.
 */
public final class CallRecord {
  static final Context.Key<CallRecord> KEY = Context.key("retail.customers.call-record");

  private volatile UUID tenant;
  private volatile String requestId;

  /** The current call's record, or null outside a call observed by {@link CallObserver}. */
  public static CallRecord current() {
    return KEY.get();
  }

  /** Records the authenticated tenant of the current call, if it is observed. */
  public static void tenant(UUID tenant) {
    CallRecord record = current();
    if (record != null) {
      record.tenant = tenant;
    }
  }

  UUID tenant() {
    return tenant;
  }

  String requestId() {
    return requestId;
  }

  void requestId(String requestId) {
    this.requestId = requestId;
  }
}
