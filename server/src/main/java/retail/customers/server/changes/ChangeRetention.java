package retail.customers.server.changes;

import java.time.Duration;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the change stream's events once they are older than the
 * retention period (once numbered: {@link ChangeSequencer}), and remembers
 * per tenant the last position deleted, so
 * that a cursor from before it is told to start again
 * ({@code OUT_OF_RANGE}) rather than silently missing events.
 */
public final class ChangeRetention {
  public static final Duration DEFAULT = Duration.ofDays(7);
  private static final Logger log = LoggerFactory.getLogger(ChangeRetention.class);

  private final DSLContext dsl;
  private final Duration retention;

  public ChangeRetention(DSLContext dsl, Duration retention) {
    this.dsl = dsl;
    this.retention = retention;
  }

  /** Deletes what is past retention now; returns how many events went. */
  public int run() {
    // Across tenants, through the owner's function (V13).
    return dsl.resultQuery("select customer_event_expire({0}::interval)", org.jooq.impl.DSL.val(retention.toMillis() + " milliseconds"))
        .fetchSingle(0, Integer.class);
  }

  /** {@link #run()} for a timer: a failure is logged, and the next run tries again. */
  public void runQuietly() {
    try {
      int deleted = run();
      if (deleted > 0) {
        log.info("change stream retention deleted {} events older than {}", deleted, retention);
      }
    } catch (RuntimeException e) {
      log.warn("change stream retention failed: {}", e.getMessage());
    }
  }
}
