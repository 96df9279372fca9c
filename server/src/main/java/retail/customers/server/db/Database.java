package retail.customers.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.jooq.exception.DataAccessException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.ExecuteListener;
import org.jooq.TransactionListener;
import org.jooq.SQLDialect;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;

/**
 * The service's PostgreSQL: two HikariCP pools and a jOOQ context over each.
 *
 * <p>{@link #dsl()} plans every statement for its values: searches bind
 * their patterns as parameters, and only a plan made for the pattern can
 * pick between the trigram and name indexes. {@link #cachedPlans()} plans a
 * statement once per connection and reuses the plan: for the statements
 * whose SQL leaves the planner one sensible plan (a bounded walk of an
 * index, say), where planning each time would cost more than running them
 * (0.3 ms against 0.1 ms for a postal code at a million customers).
 *
 * <p>Every connection gets a statement timeout, so that no query outlives a
 * call by much even if its cancellation is lost, and every statement is
 * cancelled as soon as its gRPC call is cancelled or its deadline passes (see
 * {@link CallCancellation}).
 */
public final class Database implements AutoCloseable {
  /** How long a statement of the service's sessions waits for a lock before it gives up. */
  public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);
  /** How long a call waits for a pooled connection before it fails with UNAVAILABLE. */
  public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
  /** How long the pool's check of a connection it is about to lend may take. */
  static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(1);
  /** How much longer than the statement timeout a read waits for the database's answer. */
  static final Duration SOCKET_MARGIN = Duration.ofSeconds(10);
  /** The longest a replaced pool waits for its connections in use (HikariCP's own close waits as long). */
  static final Duration RETIRE_WAIT = Duration.ofSeconds(10);
  private static final Duration RETIRE_POLL = Duration.ofMillis(50);
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Database.class);

  private final Supplier<HikariDataSource> newPool;
  private final Supplier<HikariDataSource> newCachedPlansPool;
  private final TenantConnections tenantSource;
  private final TenantConnections cachedPlansSource;
  private final DSLContext dsl;
  private final DSLContext cachedPlans;
  private final String jdbcUrl;
  private final String user;
  private final String password;
  private volatile io.micrometer.core.instrument.MeterRegistry metrics;

  private Database(Supplier<HikariDataSource> newPool, Supplier<HikariDataSource> newCachedPlansPool) {
    this.newPool = newPool;
    this.newCachedPlansPool = newCachedPlansPool;
    HikariDataSource dataSource = newPool.get();
    this.jdbcUrl = dataSource.getJdbcUrl();
    this.user = dataSource.getUsername();
    this.password = dataSource.getPassword();
    this.tenantSource = new TenantConnections(dataSource);
    this.cachedPlansSource = new TenantConnections(newCachedPlansPool.get());
    this.dsl = context(tenantSource);
    this.cachedPlans = context(cachedPlansSource);
  }

  private static DSLContext context(DataSource dataSource) {
    DefaultConfiguration configuration = new DefaultConfiguration();
    configuration.set(new KnownIsolationConnections(dataSource));
    configuration.set(SQLDialect.POSTGRES);
    configuration.set(
        new Settings()
            .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
            .withExecuteLogging(false)
            .withRenderSchema(false));
    CallCancellation cancellation = new CallCancellation();
    configuration.set((ExecuteListener) cancellation);
    configuration.set((TransactionListener) cancellation);
    return DSL.using(configuration);
  }

  /**
   * Opens a pool on {@code jdbcUrl} (user and password may also be in the URL).
   *
   * @param statementTimeout the longest any statement may run
   */
  public static Database connect(String jdbcUrl, String user, String password, int poolSize, Duration statementTimeout) {
    return connect(jdbcUrl, user, password, poolSize, statementTimeout, CONNECTION_TIMEOUT);
  }

  /**
   * Like {@link #connect(String, String, String, int, Duration)}, with
   * another wait for a pooled connection (tests on a busy machine wait
   * longer: their outcome must not depend on its speed).
   */
  public static Database connect(
      String jdbcUrl, String user, String password, int poolSize, Duration statementTimeout, Duration connectionTimeout) {
    return new Database(
        () -> pool("customers", jdbcUrl, user, password, poolSize, statementTimeout, false, connectionTimeout),
        () -> pool("customers-cached-plans", jdbcUrl, user, password, poolSize, statementTimeout, true, connectionTimeout));
  }

  private static HikariDataSource pool(
      String name, String jdbcUrl, String user, String password, int poolSize, Duration statementTimeout, boolean cachedPlans,
      Duration connectionTimeout) {
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
    config.setPoolName(name);
    // A call waiting this long for a connection gets UNAVAILABLE rather than
    // hanging: well inside a register's usual 5 s deadline. (While the health
    // check finds the database unreachable, calls fail at once: DatabaseGate.)
    config.setConnectionTimeout(connectionTimeout.toMillis());
    // A borrowed connection idle for a while is checked first; on a stalled
    // database that check is what would hang.
    config.setValidationTimeout(VALIDATION_TIMEOUT.toMillis());
    driverTimeouts(statementTimeout, connectionTimeout).forEach(config::addDataSourceProperty);
    config.addDataSourceProperty("options", sessionOptions(statementTimeout, cachedPlans));
    config.addDataSourceProperty("ApplicationName", "customers-server");
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    if (cachedPlans) {
      // A statement is prepared (and its plan kept) from its first run, not its fifth.
      config.addDataSourceProperty("prepareThreshold", "1");
    }
    return new HikariDataSource(config);
  }

  /**
   * The driver's own limits, in whole seconds, so that nothing of the pool's
   * waits on a database that does not answer (stopped, frozen, cut off) for
   * longer than it must: opening a connection and logging in (the pool's
   * thread that opens them, which the driver would otherwise leave for 10 s
   * or for ever), a read (a statement's answer: the statement timeout,
   * which the database enforces, plus a margin for the answer of a database
   * that no longer does), and a cancel request.
   */
  static Map<String, String> driverTimeouts(Duration statementTimeout, Duration connectionTimeout) {
    String connect = Long.toString(Math.max(1, connectionTimeout.toSeconds()));
    return Map.of(
        "connectTimeout", connect,
        "loginTimeout", connect,
        "socketTimeout", Long.toString(statementTimeout.plus(SOCKET_MARGIN).toSeconds()),
        "cancelSignalTimeout", connect);
  }

  /**
   * The settings of the service's database sessions, as the value of the
   * driver's {@code options} property: its timeouts, how statements are
   * planned (once per connection for {@link #cachedPlans()}, for their
   * values otherwise) and no parallel workers, since starting them costs
   * milliseconds, more than the queries of a register take, and two calls'
   * workers fight for the cores.
   */
  public static String sessionOptions(Duration statementTimeout, boolean cachedPlans) {
    String planCacheMode = cachedPlans ? "force_generic_plan" : "force_custom_plan";
    return "-c statement_timeout=" + statementTimeout.toMillis()
        + " -c lock_timeout=" + LOCK_TIMEOUT.toMillis() + " -c idle_in_transaction_session_timeout=600000 -c plan_cache_mode=" + planCacheMode
        + " -c max_parallel_workers_per_gather=0";
  }

  /** Applies the migrations to any data source (tests use it for their template database). */
  public static void migrate(DataSource dataSource) {
    Flyway flyway = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
    RewrittenMigrations.level(dataSource, flyway);
    flyway.migrate();
  }

  /** Statements planned for their values, each time. */
  public DSLContext dsl() {
    return dsl;
  }

  /** Statements planned once per connection, for any values: only those whose SQL fixes their plan. */
  public DSLContext cachedPlans() {
    return cachedPlans;
  }

  /**
   * A connection of its own, outside the pools, for a session held for the
   * server's life (the change stream's LISTEN); the caller closes it.
   */
  public Connection dedicatedConnection() {
    return dedicatedConnection(null);
  }

  /**
   * Like {@link #dedicatedConnection()}, whose connect, login and reads
   * give up after {@code timeout} (null: the driver's defaults), for checks
   * that must not hang on a database that does not answer.
   */
  public Connection dedicatedConnection(Duration timeout) {
    try {
      Properties properties = new Properties();
      if (timeout != null) {
        String seconds = Long.toString(Math.max(1, timeout.toSeconds()));
        properties.setProperty("connectTimeout", seconds);
        properties.setProperty("loginTimeout", seconds);
        properties.setProperty("socketTimeout", seconds);
      }
      if (user != null) {
        properties.setProperty("user", user);
      }
      if (password != null) {
        properties.setProperty("password", password);
      }
      properties.setProperty("ApplicationName", "customers-server-listener");
      properties.setProperty("tcpKeepAlive", "true");
      return DriverManager.getConnection(jdbcUrl, properties);
    } catch (SQLException e) {
      throw new DataAccessException("cannot connect to the database", e);
    }
  }

  /**
   * Replaces both pools with new ones, for when the database is reachable
   * again after it was not. The old pools hold connections the database
   * dropped, each of which would fail a call before the pool noticed; and
   * while the database was down, HikariCP's thread that opens connections
   * backed off, up to 5 s between tries, with nothing to wake it: a pool
   * kept would serve again only seconds after the database did (2.2 s after
   * a 3 s outage, DatabaseRestartTest). New pools open connections at once.
   * The old ones close in the background once the calls holding one of
   * their connections have given it back ({@link #retire}).
   */
  public void renewConnections() {
    renew(tenantSource, newPool);
    renew(cachedPlansSource, newCachedPlansPool);
  }

  private void renew(TenantConnections connections, Supplier<HikariDataSource> fresh) {
    HikariDataSource pool;
    try {
      pool = fresh.get(); // opens its first connection, or fails
    } catch (RuntimeException unreachableAgain) {
      // Gone again: keep the pool, without the connections it lost, and
      // leave it to the next recovery to replace it.
      connections.pool().getHikariPoolMXBean().softEvictConnections();
      log.warn("the database went away again while its connection pools were being renewed", unreachableAgain);
      return;
    }
    HikariDataSource old = connections.replace(pool);
    Thread.ofVirtual().name("close-" + old.getPoolName()).start(() -> {
      retire(old); // before the new pool reports: both publish their metrics under one pool name
      io.micrometer.core.instrument.MeterRegistry registry = metrics;
      if (registry != null) {
        pool.setMetricRegistry(registry);
      }
    });
  }

  /**
   * Closes a replaced pool once its connections in use are back, waiting
   * {@link #RETIRE_WAIT} at most. HikariCP's close aborts the connections in
   * use at once: a call that had just taken one (after a recovery, in
   * FaultsTest's retry storm) found it closed under it and answered INTERNAL.
   */
  private static void retire(HikariDataSource old) {
    HikariPoolMXBean usage = old.getHikariPoolMXBean();
    usage.softEvictConnections(); // the idle ones close now, the others as they come back
    long deadline = System.nanoTime() + RETIRE_WAIT.toNanos();
    try {
      while (usage.getActiveConnections() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(RETIRE_POLL);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      old.close();
    }
  }

  /** Publishes both pools' usage and waits as metrics. */
  public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    metrics = registry;
    tenantSource.pool().setMetricRegistry(registry);
    cachedPlansSource.pool().setMetricRegistry(registry);
  }

  /** The pool's connections, each bound to the current work's tenant ({@link Tenancy}). */
  public DataSource dataSource() {
    return tenantSource;
  }

  @Override
  public void close() {
    cachedPlansSource.pool().close();
    tenantSource.pool().close();
  }
}
