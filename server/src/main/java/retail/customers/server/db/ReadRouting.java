package retail.customers.server.db;

import com.github.benmanes.caffeine.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import retail.customers.server.cache.Caches;

/**
 * Decides whether a back-office read (search, export) may go to the read
 * replica: only when the replica is known to be close behind the primary,
 * and never for a tenant that wrote through this server more recently than
 * the replica's lag plus a margin. So a register that creates a customer and
 * looks it up at once reads the primary, and finds it (SPEC 4: findable the
 * moment the create returns), while the back office's searches and exports
 * take their load off the primary.
 *
 * <p>The replica's lag is read every {@code interval} on the replica itself:
 * zero when it has replayed all the WAL it received, else the age of the
 * last transaction it replayed. Unknown (the replica unreachable) or over
 * {@link #MAX_LAG}: every read goes to the primary.
 */
public final class ReadRouting {
  /** The margin over the measured lag before a tenant's own write is taken to be on the replica. */
  public static final Duration MARGIN = Duration.ofSeconds(1);
  /** A replica further behind than this serves nobody: a back office would see a stale list. */
  public static final Duration MAX_LAG = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(ReadRouting.class);

  private final Database replica;
  private final Clock clock;
  /** Tenants' last writes through this server, kept as long as they matter. */
  private final Cache<UUID, Instant> lastWrites;
  private volatile Duration lag;
  private final AtomicLong toReplica = new AtomicLong();
  private final AtomicLong toPrimary = new AtomicLong();

  /** @param replica the replica's pools, or null when there is none (every read on the primary) */
  public ReadRouting(Database replica, Clock clock) {
    this.replica = replica;
    this.clock = clock;
    this.lastWrites = Caches.expiringAfterWrite(clock, MAX_LAG.plus(MARGIN), 1_000_000);
  }

  /** Notes that the tenant has just written (before its caller is answered). */
  public void wrote(UUID tenant) {
    if (replica != null) {
      lastWrites.put(tenant, clock.instant());
    }
  }

  /** Whether a back-office read of the tenant may go to the replica now; counted either way. */
  public boolean useReplica(UUID tenant) {
    boolean replicaOk = replica != null && mayRead(tenant);
    (replicaOk ? toReplica : toPrimary).incrementAndGet();
    return replicaOk;
  }

  private boolean mayRead(UUID tenant) {
    Duration behind = lag;
    if (behind == null || behind.compareTo(MAX_LAG) > 0) {
      return false;
    }
    Instant wrote = lastWrites.getIfPresent(tenant);
    return wrote == null || wrote.plus(behind).plus(MARGIN).isBefore(clock.instant());
  }

  /** Reads the replica's lag (for the timer); unknown when it cannot be read. */
  public void checkLag() {
    if (replica == null) {
      return;
    }
    try {
      org.jooq.Record r = replica.dsl().resultQuery(
              "select pg_is_in_recovery(), case when not pg_is_in_recovery() or pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0"
                  + " else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0) end::float8")
          .fetchSingle();
      Duration measured = Duration.ofNanos((long) (r.get(1, Double.class) * 1e9));
      if (lag == null) {
        log.info("read replica reachable, {} behind", measured);
      }
      lag = measured;
    } catch (RuntimeException e) {
      if (lag != null) {
        log.warn("read replica unreachable: back-office reads go to the primary");
      }
      lag = null;
    }
  }

  /** The replica's last measured lag, if it is reachable. */
  public Optional<Duration> lag() {
    return Optional.ofNullable(lag);
  }

  /** Reads sent to the replica so far. */
  public long readsOnReplica() {
    return toReplica.get();
  }

  /** Reads kept on the primary so far. */
  public long readsOnPrimary() {
    return toPrimary.get();
  }
}
