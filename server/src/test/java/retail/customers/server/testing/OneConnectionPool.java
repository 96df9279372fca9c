package retail.customers.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import retail.customers.server.db.Database;

/**
 * A migrated database of its own whose pool has one connection, waited for
 * without end (ten minutes): a test takes that connection and holds it, so
 * that only the test decides when the code it drives may go on, and what
 * the calls waiting meanwhile do is all that is measured.
 */
public final class OneConnectionPool implements BeforeAllCallback, AfterAllCallback {
  /** Generous: each step takes microseconds; code that waits on the pool would wait its ten minutes. */
  public static final long SETTLE_SECONDS = 30;

  private String name;
  private Database database;

  @Override
  public void beforeAll(ExtensionContext context) {
    try (Database created = TestDatabases.create()) {
      name = created.dsl().fetchSingle("select current_database()").get(0, String.class);
    }
    database = Database.connect(TestDatabases.urlOf(name), null, null, 1, Duration.ofSeconds(30), Duration.ofMinutes(10));
  }

  public Database database() {
    return database;
  }

  /** How many threads wait for the pool's connection. */
  public int waiting() {
    try {
      HikariPoolMXBean pool = database.dataSource().unwrap(HikariDataSource.class).getHikariPoolMXBean();
      return pool.getThreadsAwaitingConnection();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How {@code call} failed, within {@link #SETTLE_SECONDS} (it may not succeed). */
  public static Throwable failure(Future<?> call) throws Exception {
    try {
      call.get(SETTLE_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("the call succeeded");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Waits until {@code condition} holds, {@link #SETTLE_SECONDS} at most. */
  public static void await(BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited for the calls to settle").isLessThan(until);
      Thread.sleep(10);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    database.close();
    TestDatabases.drop(name);
  }
}
