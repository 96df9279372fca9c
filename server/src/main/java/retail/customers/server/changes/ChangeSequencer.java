package retail.customers.server.changes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts committed events in the stream: numbers them in commit order
 * ({@code customer_event_sequence}, V10__change_stream_commit_order.sql
 * says how), wakes this server's streams of their tenants, and through the
 * function's NOTIFY every other server's ({@link ChangeNotifier}).
 *
 * <p>Every server runs one, on a connection of its own; the database lets
 * one run at a time. It runs as soon as a write of this server has
 * committed ({@link #committed}), once per batch of such writes, and every
 * {@link #IDLE} anyway for the writes that no server announced (plain SQL,
 * a server that stopped between a commit and its run): an idle run is one
 * index look-up that takes no lock.
 *
 * <p>Under load the runs are at least {@link #GAP} apart, so that a run
 * numbers the writes of those milliseconds together: a run costs the
 * database about the same (0.4 ms) for one event as for a hundred, and
 * with a run after each commit the sequencer took a fifth of the database's
 * time in the writes benchmark, about one run per write at 16 clients.
 * Load is a write announced while a run was under way; a write announced
 * after the last run ended is numbered at once (a lone register's events
 * wait for no gap).
 *
 * <p>Numbering after the commit, not in the writing transaction, keeps the
 * writes free of any shared lock: a sequence or NOTIFY in the triggers
 * would serialise the commits of every writer (NOTIFY alone took creates at
 * 8 clients from 954 to 708 per second).
 */
public final class ChangeSequencer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeSequencer.class);
  static final Duration IDLE = Duration.ofSeconds(1);
  private static final Duration RECONNECT = Duration.ofSeconds(1);
  /** Events numbered per run; a run that numbers this many runs again at once. */
  static final int RUN = 10_000;
  /** Least time from a run during which more writes were announced to the start of the next. */
  static final Duration GAP = Duration.ofMillis(5);

  private final ChangeNotifier local;
  private final Supplier<Connection> connections;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final long idleNanos;
  private final long gapNanos;
  private final AtomicLong runs = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;

  /** @param connections opens a connection of its own, held for good */
  public ChangeSequencer(ChangeNotifier local, Supplier<Connection> connections) {
    this(local, connections, IDLE, GAP);
  }

  /**
   * @param idle time between runs that no write announced
   * @param gap least time from a run during which more writes were announced to the next run
   */
  ChangeSequencer(ChangeNotifier local, Supplier<Connection> connections, Duration idle, Duration gap) {
    this.local = local;
    this.connections = connections;
    this.idleNanos = idle.toNanos();
    this.gapNanos = gap.toNanos();
    this.thread = Thread.ofPlatform().name("customers-change-sequencer").daemon(true).start(this::run);
  }

  /**
   * Where the stream stands in the reading transaction's snapshot: every
   * change that snapshot saw is behind the cursor, every later one after it.
   * Run it in the transaction whose snapshot matters (an export's), or
   * alone for "now".
   */
  public static StreamCursor now(DSLContext dsl) {
    var now = dsl.resultQuery("select pg_current_snapshot()::text, last_position from customer_event_sequencer").fetchSingle();
    return new StreamCursor(now.get(1, Long.class), now.get(0, String.class));
  }

  /** A write of this server has committed: its events are numbered soon (call before its caller is answered). */
  public void committed(UUID tenant) {
    if (!pending.getAndSet(true)) {
      LockSupport.unpark(thread);
    }
  }

  private void run() {
    while (!closed) {
      try (Connection connection = connections.get();
          PreparedStatement sequence = connection.prepareStatement("select tenant_id, events from customer_event_sequence(?)")) {
        sequence.setInt(1, RUN);
        long nextRun = System.nanoTime();
        while (!closed) {
          if (!pending.get()) {
            LockSupport.parkNanos(idleNanos);
          }
          for (long wait; !closed && (wait = nextRun - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(wait);
          }
          pending.set(false); // this run takes whatever committed before it
          long start = System.nanoTime();
          while (!closed && sequenceOnce(sequence) == RUN) {
            // a backlog (an import, a pause): go on at once
          }
          // Writes announced while it ran: under load, let the next ones gather.
          nextRun = pending.get() ? start + gapNanos : start;
          runs.incrementAndGet();
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          log.warn("change sequencer lost its connection ({}); again in {}", e.getClass().getSimpleName(), RECONNECT);
          pending.set(true);
          LockSupport.parkNanos(RECONNECT.toNanos());
        }
      }
    }
  }

  /** One run: numbers what has committed, wakes its tenants' streams here; how many events it numbered. */
  private int sequenceOnce(PreparedStatement sequence) throws SQLException {
    int numbered = 0;
    try (ResultSet rs = sequence.executeQuery()) {
      while (rs.next()) {
        local.wake(rs.getObject(1, UUID.class));
        numbered += rs.getInt(2);
      }
    }
    return numbered;
  }

  /** Runs completed so far, each with the time of the next settled (for tests). */
  long runs() {
    return runs.get();
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
  }
}
