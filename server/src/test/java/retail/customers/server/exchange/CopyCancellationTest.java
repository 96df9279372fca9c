package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import retail.customers.server.db.Database;
import retail.customers.server.testing.TestDatabases;

/**
 * An export stopped early leaves its connection as the pool lent it: clean,
 * and with its read timeout, so that no later statement on it waits for
 * ever on a database that does not answer.
 */
class CopyCancellationTest {
  /** The pool's read timeout, in seconds (Database's: the statement timeout and a margin). */
  private static final int READ_TIMEOUT_SECONDS = 40;

  private static String name;

  @BeforeAll
  static void create() {
    try (Database created = TestDatabases.create()) {
      name = created.dsl().fetchSingle("select current_database()").get(0, String.class);
    }
  }

  @AfterAll
  static void drop() {
    TestDatabases.drop(name);
  }

  @Test
  void aCopyStoppedEarlyLeavesTheConnectionCleanWithItsReadTimeout() throws Exception {
    Properties properties = new Properties();
    properties.setProperty("socketTimeout", Integer.toString(READ_TIMEOUT_SECONDS));
    try (Connection jdbc = DriverManager.getConnection(TestDatabases.urlOf(name), properties)) {
      PGConnection connection = jdbc.unwrap(PGConnection.class);
      CopyOut copy = connection.getCopyAPI().copyOut("copy (select n, repeat('x', 100) from generate_series(1, 5000000) n) to stdout");
      assertThat(copy.readFromCopy()).as("the first row").isNotNull();

      new CopyCancellation(jdbc, connection, copy).settle();

      assertThat(jdbc.isClosed()).as("the connection, drained rather than closed").isFalse();
      assertThat(jdbc.getNetworkTimeout()).isEqualTo(READ_TIMEOUT_SECONDS * 1000);
      try (PreparedStatement next = jdbc.prepareStatement("select 1"); ResultSet one = next.executeQuery()) {
        assertThat(one.next()).isTrue();
        assertThat(one.getInt(1)).as("the next statement's own answer").isEqualTo(1);
      }
    }
  }
}
