package retail.customers.server.db;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;

/**
 * Pool connections that answer {@code getTransactionIsolation()} without a
 * round trip. jOOQ asks for the isolation level at the start of every
 * transaction (to restore it afterwards) and the PostgreSQL driver answers by
 * running {@code SHOW TRANSACTION ISOLATION LEVEL}: one more round trip per
 * write, for a value that only changes when this process changes it.
 */
final class KnownIsolationConnections implements ConnectionProvider {
  private final DataSource dataSource;

  KnownIsolationConnections(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public Connection acquire() {
    try {
      Connection connection = dataSource.getConnection();
      return (Connection) Proxy.newProxyInstance(
          Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, new Handler(connection));
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

  private static final class Handler implements InvocationHandler {
    private final Connection target;
    // Every pooled connection starts at PostgreSQL's default, READ COMMITTED;
    // the pool resets any other level when a connection comes back.
    private int isolation = Connection.TRANSACTION_READ_COMMITTED;

    Handler(Connection target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      switch (method.getName()) {
        case "getTransactionIsolation":
          return isolation;
        case "setTransactionIsolation":
          target.setTransactionIsolation((Integer) args[0]);
          isolation = (Integer) args[0];
          return null;
        default:
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
      }
    }
  }
}
