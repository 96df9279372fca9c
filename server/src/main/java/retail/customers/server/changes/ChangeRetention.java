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
    return dsl.transactionResult(
        c -> c.dsl().resultQuery(
                """
                with gone as (
                    delete from customer_event
                     where record_time <= now() - {0}::interval and position is not null
                    returning tenant_id, position
                ), last as (
                    select tenant_id, max(position) as position, count(*) as deleted from gone group by tenant_id
                ), kept as (
                    insert into customer_event_retention as r (tenant_id, position)
                    select tenant_id, position from last
                    on conflict (tenant_id) do update set position = excluded.position
                     where r.position < excluded.position
                )
                select coalesce(sum(deleted), 0)::int from last
                """,
                org.jooq.impl.DSL.inline(retention.toMillis() + " milliseconds"))
            .fetchSingle(0, Integer.class));
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
