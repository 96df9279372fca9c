package retail.customers.server.exchange;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.postgresql.util.PSQLState;

/**
 * Stops an export's {@code COPY ... TO STDOUT} early and leaves its connection
 * fit for the pool.
 *
 * <p>PostgreSQL is asked to cancel the COPY once, through the driver's cancel
 * request: a separate connection whose only effect is a signal to the
 * backend, which cancels whatever statement it runs when the signal lands.
 * Two things would make the connection unsafe to lend again: rows of the
 * COPY still unread, which the next query would take for its own, and a
 * signal still pending, which could cancel the next borrower's statement. So
 * the rows sent meanwhile are read and dropped, up to PostgreSQL's
 * "canceling statement" error, which shows the signal spent. If the COPY
 * ends before the signal lands (its rows were all in the socket's buffers
 * already), one trivial statement, sent once the request is through, takes
 * the signal instead, or finds it already dropped by the idle backend. When
 * none of this can be shown (another error, the draining takes too long),
 * the connection is closed instead and the pool replaces it.
 */
final class CopyCancellation {
  /** The longest time spent reading what a cancelled COPY had already sent, or waiting for the request to go. */
  static final Duration DRAIN_LIMIT = Duration.ofSeconds(5);

  private final Connection jdbc;
  private final PGConnection connection;
  private final CopyOut copy;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch requestDone = new CountDownLatch(1);
  private volatile boolean spent;

  CopyCancellation(Connection jdbc, PGConnection connection, CopyOut copy) {
    this.jdbc = jdbc;
    this.connection = connection;
    this.copy = copy;
  }

  /** Asks PostgreSQL to cancel the COPY, once however often it is called (any thread). */
  void request() {
    if (requested.compareAndSet(false, true)) {
      try {
        // Returns once PostgreSQL has taken the request, that is, has
        // signalled the backend (or once sending it has failed).
        connection.cancelQuery();
      } catch (SQLException e) {
        // Not sent: nothing will land.
      } finally {
        requestDone.countDown();
      }
    }
  }

  /** Notes how reading the COPY failed: a cancellation error means the request was spent. */
  void failed(SQLException e) {
    if (isCancellation(e)) {
      spent = true;
    }
  }

  /** Leaves the connection clean or closed, once the reader has stopped reading (all of the COPY or not). */
  void settle() throws SQLException {
    if (copy.isActive()) {
      request();
      if (!drained()) {
        jdbc.abort(Runnable::run);
        return;
      }
    }
    // Setting the flag when no request was made keeps a cancellation
    // listener that runs late from making one now, when the connection may
    // already serve another call.
    if (spent || requested.compareAndSet(false, true)) {
      return;
    }
    if (!signalTaken()) {
      jdbc.abort(Runnable::run);
    }
  }

  /** Reads the rest of the COPY; whether it ended (cancelled or complete) rather than failed or ran too long. */
  private boolean drained() throws SQLException {
    long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
    // A backend that neither sends nor fails would block the read for good.
    int readTimeout = jdbc.getNetworkTimeout(); // the pool's: the statement timeout and a margin
    jdbc.setNetworkTimeout(Runnable::run, (int) DRAIN_LIMIT.toMillis());
    try {
      while (copy.readFromCopy() != null) {
        if (System.nanoTime() > deadline) {
          return false;
        }
      }
    } catch (SQLException e) {
      failed(e);
      if (!spent) {
        return false;
      }
    }
    jdbc.setNetworkTimeout(Runnable::run, readTimeout);
    return true;
  }

  /**
   * Whether the signal of a request made while the COPY ended normally is no
   * longer pending. Once the request is through, the signal is on its way to
   * the backend and lands before it reads its next statement: the statement
   * either runs while the signal is already dropped, or is cancelled by it.
   */
  private boolean signalTaken() throws SQLException {
    try {
      if (!requestDone.await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try (Statement statement = jdbc.createStatement()) {
      statement.execute("select 1");
      return true;
    } catch (SQLException e) {
      return isCancellation(e);
    }
  }

  private static boolean isCancellation(SQLException e) {
    return PSQLState.QUERY_CANCELED.getState().equals(e.getSQLState());
  }
}
