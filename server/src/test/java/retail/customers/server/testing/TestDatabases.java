package retail.customers.server.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;
import retail.customers.server.db.Database;
import retail.customers.server.db.EmbeddedDatabase;
import retail.customers.server.db.ServingRole;

/**
 * Databases for tests: the PostgreSQL named by {@code CUSTOMERS_TEST_DATABASE_URL}
 * (a JDBC URL of a database whose user may create databases), or else an
 * embedded one started once per test JVM.
 *
 * <p>The migrations run once, into a template database; each test class then
 * gets its own copy ({@code CREATE DATABASE ... TEMPLATE}, a file copy that
 * takes milliseconds), so classes cannot see each other's rows and run in any
 * order.
 */
public final class TestDatabases {
  public static final String URL_VARIABLE = "CUSTOMERS_TEST_DATABASE_URL";
  /**
   * How long a test's call waits for a pooled connection: longer than the
   * server's 2 s, so that a busy machine slows the suite without failing it.
   */
  public static final Duration POOL_WAIT = Duration.ofSeconds(30);

  private static String adminUrl;
  private static String template;

  private TestDatabases() {}

  /** A new, migrated, empty database, and a pool on it. */
  public static synchronized Database create() {
    ensureTemplate();
    String name = newName();
    execute("create database " + name + " template " + template);
    return Database.connect(urlOf(name), null, null, 8, Duration.ofSeconds(30), POOL_WAIT);
  }

  /** A new database with nothing in it, not even the migrations; its name. */
  public static synchronized String createEmpty() {
    ensureTemplate();
    String name = newName();
    execute("create database " + name);
    return name;
  }

  private static String newName() {
    return "customers_test_" + UUID.randomUUID().toString().replace("-", "");
  }

  /**
   * A pool on the database {@code name} (made by {@link #create}) as the
   * role the server serves as, {@link ServingRole#EMBEDDED}: not the
   * tables' owner, so row-level security holds it to each call's tenant,
   * as in production.
   */
  public static synchronized Database serving(String name) {
    ensureTemplate();
    return Database.connect(servingUrlOf(name), null, null, 8, Duration.ofSeconds(30), POOL_WAIT);
  }

  /** The JDBC URL of the database {@code name} as the serving role. */
  public static synchronized String servingUrlOf(String name) {
    String url = urlOf(name);
    int query = url.indexOf('?');
    StringBuilder params = new StringBuilder();
    if (query >= 0) {
      for (String param : url.substring(query + 1).split("&")) {
        if (!param.startsWith("user=") && !param.startsWith("password=") && !param.isEmpty()) {
          params.append(param).append('&');
        }
      }
    }
    return (query < 0 ? url : url.substring(0, query)) + "?" + params + "user=" + ServingRole.EMBEDDED;
  }

  /** Drops a database made by {@link #create} (its pool must be closed). */
  public static synchronized void drop(String name) {
    execute("drop database if exists " + name + " with (force)");
  }

  /** The JDBC URL of the database {@code name} on the test server. */
  public static synchronized String urlOf(String name) {
    ensureTemplate();
    return replaceDatabase(adminUrl, name);
  }

  private static void ensureTemplate() {
    if (template != null) {
      return;
    }
    String configured = System.getenv(URL_VARIABLE);
    if (configured != null && !configured.isBlank()) {
      adminUrl = configured;
    } else {
      EmbeddedDatabase embedded = EmbeddedDatabase.startTemporary();
      Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
      adminUrl = embedded.jdbcUrl("postgres");
    }
    String name = "customers_template_" + UUID.randomUUID().toString().replace("-", "");
    execute("create database " + name);
    // The serving role's grants are copied with the template.
    migrate(replaceDatabase(adminUrl, name));
    execute("alter database " + name + " is_template true");
    template = name;
    String dropTemplate = name;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        execute("alter database " + dropTemplate + " is_template false");
        execute("drop database if exists " + dropTemplate + " with (force)");
      } catch (RuntimeException e) {
        // the server may already be gone (embedded): nothing to clean
      }
    }));
  }

  /**
   * Applies the migrations to the database at {@code ownerUrl} (a URL of
   * its owner or a superuser) and lets the serving role,
   * {@link ServingRole#EMBEDDED}, created if need be, serve on it.
   */
  public static void migrate(String ownerUrl) {
    PGSimpleDataSource source = new PGSimpleDataSource();
    source.setURL(ownerUrl);
    ServingRole.create(source, ServingRole.EMBEDDED);
    ServingRole.migrate(source, ServingRole.EMBEDDED);
  }

  private static void execute(String sql) {
    try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("test database setup failed: " + sql, e);
    }
  }

  /** {@code url} with its database name replaced, query string kept. */
  public static String replaceDatabase(String url, String database) {
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    String params = query < 0 ? "" : url.substring(query);
    int slash = base.lastIndexOf('/');
    return base.substring(0, slash + 1) + database + params;
  }
}
