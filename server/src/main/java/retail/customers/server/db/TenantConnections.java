package retail.customers.server.db;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;

/**
 * The pool's connections, each bound to the current work's tenant
 * ({@link Tenancy}) before it is handed out: the database's row-level
 * security (V13) shows a session only the rows of the tenant in its
 * {@code customers.tenant} setting, and none when it has no tenant.
 *
 * <p>The setting lives as long as the session, and each connection
 * remembers which tenant it was last set to: a call of the tenant that used
 * the connection last (the usual case: most servers serve few stores at a
 * time) takes it as it is, any other call resets it first. A setting local
 * to each transaction would instead cost a statement, a round trip, for
 * every read, since reads run outside transactions. Every connection the
 * server uses comes through here, so a connection can never reach a call of
 * another tenant, or work of none, with a tenant still set.
 */
final class TenantConnections implements DataSource {
  private static final UUID NONE = new UUID(0, 0);

  private volatile HikariDataSource pool;
  /** The tenant each physical connection was last bound to, by identity; gone with the connection. */
  private final Cache<Object, UUID> bound = Caffeine.newBuilder().weakKeys().build();

  TenantConnections(HikariDataSource pool) {
    this.pool = pool;
  }

  /** The pool the connections come from now. */
  HikariDataSource pool() {
    return pool;
  }

  /** Takes connections from {@code fresh} from now on; returns the pool it replaces, for the caller to close. */
  HikariDataSource replace(HikariDataSource fresh) {
    HikariDataSource old = pool;
    pool = fresh;
    return old;
  }

  @Override
  public Connection getConnection() throws SQLException {
    HikariDataSource from = pool;
    try {
      return bound(from);
    } catch (SQLException e) {
      // The pool was replaced (Database.renewConnections) between reading it
      // and taking its connection, and closed: the new pool serves instead.
      HikariDataSource now = pool;
      if (now != from) {
        return bound(now);
      }
      throw e;
    }
  }

  private Connection bound(HikariDataSource from) throws SQLException {
    Connection connection = taken(from);
    try {
      bind(connection, Tenancy.current());
      return connection;
    } catch (SQLException | RuntimeException e) {
      // Whether the setting took is unknown: the connection must not serve again.
      from.evictConnection(connection);
      throw e;
    }
  }

  /**
   * A connection of the pool, waited for no longer than the pool's
   * connection timeout and the current call's remaining deadline: a call
   * with 300 ms left fails in 300 ms, not in the pool's 2 s, a call that
   * has ended takes none, and a call that waited in vain once does not wait
   * again ({@link PoolWaits}).
   */
  private static Connection taken(HikariDataSource from) throws SQLException {
    Context call = Context.current();
    if (call.isCancelled()) {
      throw ErrorMapper.callEnded(call);
    }
    PoolWaits.refuseIfFailedBefore();
    Deadline deadline = call.getDeadline();
    long left = deadline == null ? Long.MAX_VALUE : deadline.timeRemaining(TimeUnit.MILLISECONDS);
    if (left <= 0) {
      throw deadlinePassed(); // and its cancellation is a moment away
    }
    if (left < from.getConnectionTimeout() && !from.isClosed() && from.getHikariPoolMXBean() instanceof HikariPool pool) {
      // HikariCP's data source waits its configured timeout; its pool takes
      // one per wait (but, closed, would wait it out rather than refuse).
      try {
        return pool.getConnection(left);
      } catch (SQLTransientConnectionException timedOut) {
        // The call's deadline ended the wait, not the pool's: its client
        // hears DEADLINE_EXCEEDED, whatever the server answers a moment
        // before, and its way out asks for no connection (left <= 0).
        throw deadlinePassed();
      }
    }
    try {
      return from.getConnection();
    } catch (SQLTransientConnectionException timedOut) {
      PoolWaits.failed();
      throw timedOut;
    }
  }

  private static ApiException deadlinePassed() {
    return ApiException.callEnded(Status.Code.DEADLINE_EXCEEDED, "the call's deadline passed while it waited for a database connection");
  }

  private void bind(Connection connection, UUID tenant) throws SQLException {
    UUID wanted = tenant == null ? NONE : tenant;
    Object session = connection.unwrap(PGConnection.class);
    UUID current = bound.getIfPresent(session);
    if (wanted.equals(current == null ? NONE : current)) {
      return;
    }
    // Pooled connections come in autocommit: the setting commits here, before
    // any transaction of the caller's, whose rollback would otherwise undo it
    // while this map still says it holds.
    if (!connection.getAutoCommit()) {
      throw new IllegalStateException("the pool must hand out connections in autocommit");
    }
    try (PreparedStatement set = connection.prepareStatement("select set_config('customers.tenant', ?, false)")) {
      set.setString(1, wanted == NONE ? "" : wanted.toString());
      set.execute();
    }
    bound.put(session, wanted);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the pool's connections all have the pool's user");
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(pool) ? type.cast(pool) : pool.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(pool) || pool.isWrapperFor(type);
  }
}
