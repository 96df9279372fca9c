package retail.customers.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;
import org.jooq.tools.jdbc.DefaultConnection;

/**
 * Pool connections that answer {@code getTransactionIsolation()} without a
 * round trip. jOOQ asks for the isolation level at the start of every
 * transaction (to restore it afterwards) and the PostgreSQL driver answers by
 * running {@code SHOW TRANSACTION ISOLATION LEVEL}: one more round trip per
 * write, for a value that only changes when this process changes it.
 *
 * <p>The wrapper is jOOQ's delegating connection, not a reflective proxy:
 * every statement of every call goes through it, and a proxy cost a
 * reflective call for each (2.6% of a search's time on the server).
 */
final class KnownIsolationConnections implements ConnectionProvider {
  private final DataSource dataSource;

  KnownIsolationConnections(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Connection acquire() {
    try {
      return new KnownIsolation(dataSource.getConnection());
    } catch (SQLException e) {
      throw new DataAccessException("cannot get a database connection", e);
    }
  }

  @Override
  public void release(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new DataAccessException("cannot release a database connection", e);
    }
  }

  /** A pool connection that remembers its isolation level; everything else goes to the pool's connection. */
  private static final class KnownIsolation extends DefaultConnection {
    // Every pooled connection starts at PostgreSQL's default, READ COMMITTED;
    // the pool resets any other level when a connection comes back.
    private int isolation = Connection.TRANSACTION_READ_COMMITTED;

    KnownIsolation(Connection pooled) {
      super(pooled);
    }

    @Override
    public int getTransactionIsolation() {
      return isolation;
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
      super.setTransactionIsolation(level);
      isolation = level;
    }
  }
}
