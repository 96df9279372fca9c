package retail.customers.server.changes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the change streams that a tenant's write has committed: at once to
 * this server's streams, and to the other servers' through a NOTIFY on the
 * channel they LISTEN to ({@link ChangeNotifier}), one statement for all the
 * tenants that wrote since the last one.
 *
 * <p>The database's triggers could NOTIFY themselves, but a NOTIFY takes a
 * lock that serialises the commits of all the transactions that send one:
 * creates at 8 clients went from 954 to 708 per second. Here the writes
 * commit freely and one background connection sends the notices. Writes
 * made around the service (plain SQL) are found by the streams' periodic
 * look ({@link ChangeNotifier#SWEEP}).
 */
public final class ChangeSignals implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeSignals.class);
  private static final Duration IDLE = Duration.ofMillis(200);
  private static final Duration RECONNECT = Duration.ofSeconds(1);

  private final ChangeNotifier local;
  private final Supplier<Connection> connections;
  private final Set<UUID> pending = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private volatile boolean closed;

  /** @param connections opens a connection of its own, held for good */
  public ChangeSignals(ChangeNotifier local, Supplier<Connection> connections) {
    this.local = local;
    this.connections = connections;
    this.thread = Thread.ofPlatform().name("customers-change-signals").daemon(true).start(this::send);
  }

  /** The tenant's write has committed (call before its caller is answered). */
  public void committed(UUID tenant) {
    local.wake(tenant);
    pending.add(tenant);
    LockSupport.unpark(thread);
  }

  private void send() {
    while (!closed) {
      try (Connection connection = connections.get();
          PreparedStatement notify =
              connection.prepareStatement("select pg_notify('" + ChangeNotifier.CHANNEL + "', t) from unnest(?::text[]) t")) {
        while (!closed) {
          if (pending.isEmpty()) {
            LockSupport.parkNanos(IDLE.toNanos());
            continue;
          }
          List<String> tenants = new ArrayList<>();
          for (UUID tenant : pending) {
            pending.remove(tenant);
            tenants.add(tenant.toString());
          }
          notify.setArray(1, connection.createArrayOf("text", tenants.toArray()));
          notify.execute();
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          log.warn("change signals lost their connection ({}); again in {}", e.getClass().getSimpleName(), RECONNECT);
          LockSupport.parkNanos(RECONNECT.toNanos());
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
  }
}
