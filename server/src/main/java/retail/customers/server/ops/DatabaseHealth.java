package retail.customers.server.ops;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database answers, checked on a timer over a connection of its
 * own (a pool's wait would make the check as slow as the outage): the
 * server reports NOT_SERVING while it does not, and SERVING again by itself
 * when it does.
 */
public final class DatabaseHealth {
  private static final Logger log = LoggerFactory.getLogger(DatabaseHealth.class);

  private final Supplier<Connection> connections;
  private final Duration timeout;
  private final Consumer<ServingStatus> report;
  private Connection connection;
  private volatile ServingStatus status = ServingStatus.SERVING;

  /**
   * @param connections opens a connection whose connect and reads time out within {@code timeout}
   * @param report told each time the status changes: before {@link #status()} says SERVING again, after it says NOT_SERVING
   */
  public DatabaseHealth(Supplier<Connection> connections, Duration timeout, Consumer<ServingStatus> report) {
    this.connections = connections;
    this.timeout = timeout;
    this.report = report;
  }

  public ServingStatus status() {
    return status;
  }

  /** One check; called by the timer, and at once when a call finds the database unreachable. */
  public synchronized void check() {
    boolean held = connection != null;
    long started = System.nanoTime();
    boolean up = answers();
    if (!up && held && System.nanoTime() - started < timeout.toNanos() / 2) {
      // The session the check held failed at once: it was ended (killed,
      // cut by a proxy), which says nothing of the database, and a new one
      // decides. A session that took the timeout is a database that does not
      // answer: trying again would only double the time to report it.
      up = answers();
    }
    ServingStatus now = up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (now != status) {
      log.atLevel(up ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.WARN)
          .log(up ? "database reachable again: serving" : "database unreachable: not serving");
      if (up) {
        // Calls come in again (DatabaseGate) only once the report is done: its
        // new connection pools, not the old ones, whose connections are gone
        // and whose connection adder may be backing off for seconds.
        report.accept(now);
        status = now;
      } else {
        status = now;
        report.accept(now);
      }
    }
  }

  /** Whether the database answers on the check's session (opened if need be); the session is closed if not. */
  private boolean answers() {
    try {
      if (connection == null) {
        connection = connections.get();
      }
      if (connection.isValid((int) Math.max(1, timeout.toSeconds()))) {
        return true;
      }
    } catch (RuntimeException | SQLException e) {
      // not answering
    }
    closeQuietly();
    return false;
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already broken
      }
      connection = null;
    }
  }

  public synchronized void close() {
    closeQuietly();
  }
}
