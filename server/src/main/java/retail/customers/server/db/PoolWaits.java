package retail.customers.server.db;

import io.grpc.Context;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the current call has already waited for a pooled connection in
 * vain. A call that failed to get one is failing: what runs on its way out
 * (jOOQ's rollback of the transaction it could not begin, the look-up of an
 * answer stored for its request id) asked the pool again, and each asking
 * waited the pool's whole timeout again: three waits of 2 s passed a
 * register's 5 s deadline while PostgreSQL restarted (DatabaseRestartTest,
 * full size). Such a call's later requests for a connection fail at once.
 */
public final class PoolWaits {
  private static final Context.Key<AtomicBoolean> FAILED = Context.key("customers-pool-wait-failed");

  private PoolWaits() {}

  /** {@code call} with a record of its own of whether a wait has failed. */
  public static Context tracked(Context call) {
    return call.withValue(FAILED, new AtomicBoolean());
  }

  /** Refuses at once if the current call has waited in vain before. */
  static void refuseIfFailedBefore() throws SQLTransientConnectionException {
    AtomicBoolean failed = FAILED.get();
    if (failed != null && failed.get()) {
      throw new SQLTransientConnectionException("this call already waited for a database connection in vain");
    }
  }

  /** Notes that the current call waited in vain. */
  static void failed() {
    AtomicBoolean failed = FAILED.get();
    if (failed != null) {
      failed.set(true);
    }
  }
}
