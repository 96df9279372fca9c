package retail.customers.server.changes;

import java.time.Duration;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the change stream's events once they are older than the
 * retention period, and remembers per tenant the last position deleted, so
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
                    delete from customer_event where record_time <= now() - {0}::interval returning tenant_id, xid, seq
                ), last as (
                    select distinct on (tenant_id) tenant_id, xid, seq, count(*) over (partition by tenant_id) as deleted
                      from gone order by tenant_id, xid desc, seq desc
                ), kept as (
                    insert into customer_event_retention as r (tenant_id, xid, seq)
                    select tenant_id, xid, seq from last
                    on conflict (tenant_id) do update set xid = excluded.xid, seq = excluded.seq
                     where (r.xid, r.seq) < (excluded.xid, excluded.seq)
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
