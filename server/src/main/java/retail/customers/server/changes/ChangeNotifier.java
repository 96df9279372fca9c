package retail.customers.server.changes;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the open change streams of a tenant when its events commit: one
 * connection per server LISTENs to the channel on which every server's
 * {@link ChangeSequencer} announces the tenants whose events it has put in
 * the stream, on a thread of its own; a stream registers what to run when
 * its tenant's events arrive.
 *
 * <p>Notifications are lost while the connection is down; when it is back,
 * every stream is woken once, to read whatever it missed.
 */
public final class ChangeNotifier implements AutoCloseable {
  static final String CHANNEL = "customer_events";
  private static final Logger log = LoggerFactory.getLogger(ChangeNotifier.class);
  private static final Duration WAIT = Duration.ofMillis(500);
  private static final Duration RECONNECT = Duration.ofSeconds(1);

  private final Supplier<Connection> connections;
  private final ConcurrentHashMap<UUID, Set<Runnable>> listeners = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean closed;

  /** @param connections opens a connection of its own (not from a pool: it is held for good) */
  public ChangeNotifier(Supplier<Connection> connections) {
    this.connections = connections;
    this.thread = Thread.ofPlatform().name("customers-change-listener").daemon(true).start(this::listen);
  }

  /** Runs {@code wake} whenever the tenant's events commit, until the returned handle is closed. */
  AutoCloseable subscribe(UUID tenant, Runnable wake) {
    listeners.computeIfAbsent(tenant, t -> new CopyOnWriteArraySet<>()).add(wake);
    return () -> listeners.computeIfPresent(tenant, (t, set) -> {
      set.remove(wake);
      return set.isEmpty() ? null : set;
    });
  }

  private void listen() {
    while (!closed) {
      try (Connection connection = connections.get()) {
        try (Statement listen = connection.createStatement()) {
          listen.execute("listen " + CHANNEL);
        }
        wakeAll(); // whatever committed while nobody listened
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications((int) WAIT.toMillis());
          if (notifications != null) {
            for (PGNotification notification : notifications) {
              wake(notification.getParameter());
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          log.warn("change listener lost its connection ({}); listening again in {}", e.getMessage(), RECONNECT);
          sleep(RECONNECT);
        }
      }
    }
  }

  private void wake(String tenant) {
    try {
      wake(UUID.fromString(tenant));
    } catch (IllegalArgumentException e) {
      // not a tenant's notice
    }
  }

  /** Wakes this server's streams of the tenant. */
  void wake(UUID tenant) {
    Set<Runnable> wakes = listeners.get(tenant);
    if (wakes != null) {
      wakes.forEach(Runnable::run);
    }
  }

  private void wakeAll() {
    listeners.values().forEach(set -> set.forEach(Runnable::run));
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
