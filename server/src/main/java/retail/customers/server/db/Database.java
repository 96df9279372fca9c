package retail.customers.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;

/**
 * The service's PostgreSQL: a HikariCP pool and the jOOQ context over it.
 *
 * <p>Every connection gets a statement timeout, so that no query outlives a
 * call by much even if its cancellation is lost, and every statement is
 * cancelled as soon as its gRPC call is cancelled or its deadline passes (see
 * {@link CallCancellation}).
 */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final DSLContext dsl;

  private Database(HikariDataSource dataSource) {
    this.dataSource = dataSource;
    DefaultConfiguration configuration = new DefaultConfiguration();
    configuration.set(new KnownIsolationConnections(dataSource));
    configuration.set(SQLDialect.POSTGRES);
    configuration.set(
        new Settings()
            .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
            .withExecuteLogging(false)
            .withRenderSchema(false));
    configuration.set(new CallCancellation());
    this.dsl = DSL.using(configuration);
  }

  /**
   * Opens a pool on {@code jdbcUrl} (user and password may also be in the URL).
   *
   * @param statementTimeout the longest any statement may run
   */
  public static Database connect(String jdbcUrl, String user, String password, int poolSize, Duration statementTimeout) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    if (user != null && !user.isBlank()) {
      config.setUsername(user);
    }
    if (password != null && !password.isBlank()) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(Math.min(2, poolSize));
    config.setPoolName("customers");
    // A call waiting this long for a connection gets UNAVAILABLE rather than hanging.
    config.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
    // Searches bind their patterns as parameters; a generic plan would not
    // know a pattern and could not pick between the trigram and name indexes.
    // No parallel workers: starting them costs milliseconds, more than the
    // queries of a register take, and two calls' workers fight for the cores.
    config.addDataSourceProperty("options", "-c statement_timeout=" + statementTimeout.toMillis()
        + " -c lock_timeout=10000 -c idle_in_transaction_session_timeout=600000 -c plan_cache_mode=force_custom_plan"
        + " -c max_parallel_workers_per_gather=0");
    config.addDataSourceProperty("ApplicationName", "customers-server");
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    return new Database(new HikariDataSource(config));
  }

  /** Applies the Flyway migrations that are not applied yet. */
  public void migrate() {
    migrate(dataSource);
  }

  /** Applies the migrations to any data source (tests use it for their template database). */
  public static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
  }

  public DSLContext dsl() {
    return dsl;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
