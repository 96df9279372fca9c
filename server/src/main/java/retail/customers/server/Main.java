package retail.customers.server;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.postgresql.ds.PGSimpleDataSource;
import retail.customers.server.db.ServingRole;
import retail.customers.server.grpc.ServerTls;
import retail.customers.server.ops.Failures;
import retail.customers.server.ops.MetricsEndpoint;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.db.EmbeddedDatabase;

/**
 * The server's command line. With no subcommand it serves: on the database
 * given by {@code --database-url} (or {@code CUSTOMERS_DATABASE_URL}), or,
 * when none is given, on an embedded PostgreSQL kept under
 * {@code --data-dir}, so that a machine with only a JDK runs the service with
 * one command.
 */
@Command(
    name = "customers-server",
    mixinStandardHelpOptions = true,
    description = "The customer-accounts gRPC service.",
    subcommands = {Main.CreateTenant.class, Main.MintKey.class})
public final class Main implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final String DEMO_KEY_FILE = "demo-api-key.txt";

  @Mixin DatabaseOptions database;

  @Option(names = "--event-retention", defaultValue = "${env:CUSTOMERS_EVENT_RETENTION:-7D}",
      description = "How long change-stream events are kept, as days (7D) or hours (T12H) (env CUSTOMERS_EVENT_RETENTION). Default: ${DEFAULT-VALUE}.")
  String eventRetention;

  @Option(names = "--metrics-port", defaultValue = "${env:CUSTOMERS_METRICS_PORT:-9464}",
      description = "HTTP port of the Prometheus metrics, at /metrics (env CUSTOMERS_METRICS_PORT). Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(names = "--metrics", negatable = true, defaultValue = "${env:CUSTOMERS_METRICS:-true}", fallbackValue = "true",
      description = "Serve the Prometheus metrics; --no-metrics turns them off (env CUSTOMERS_METRICS=false).")
  boolean metrics;

  @Option(names = "--replica-url", defaultValue = "${env:CUSTOMERS_REPLICA_URL}",
      description = "JDBC URL of a streaming read replica of the database, for back-office searches and exports (env CUSTOMERS_REPLICA_URL)."
          + " A tenant that has just written through this server reads the primary. Credentials: as the database's.")
  String replicaUrl;

  @Option(names = "--listen-address", defaultValue = "${env:CUSTOMERS_LISTEN_ADDRESS}",
      description = "Address the gRPC and metrics ports listen on (env CUSTOMERS_LISTEN_ADDRESS). Default: every interface with"
          + " --database-url; the loopback address (127.0.0.1) for the embedded demo database, which no other machine should reach.")
  String listenAddress;

  @Option(names = "--drain", defaultValue = "${env:CUSTOMERS_DRAIN:-5}",
      description = "Seconds the server goes on serving after SIGTERM while its health says NOT_SERVING, so that load balancers"
          + " move traffic away first (env CUSTOMERS_DRAIN). Default: ${DEFAULT-VALUE}.")
  int drainSeconds;

  @Option(names = "--rate-limit", defaultValue = "${env:CUSTOMERS_RATE_LIMIT:-200}",
      description = "Calls per second per API key (bursts of twice as many); over it, RESOURCE_EXHAUSTED with RetryInfo;"
          + " 0: no limit (env CUSTOMERS_RATE_LIMIT). Default: ${DEFAULT-VALUE}.")
  double rateLimit;

  @Option(names = "--tls-cert", defaultValue = "${env:CUSTOMERS_TLS_CERT}",
      description = "The server's certificate chain, PEM (env CUSTOMERS_TLS_CERT); with --tls-key, the server speaks TLS only.")
  File tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:CUSTOMERS_TLS_KEY}", description = "Its private key, PEM, PKCS#8 (env CUSTOMERS_TLS_KEY).")
  File tlsKey;

  @Option(names = "--tls-client-ca", defaultValue = "${env:CUSTOMERS_TLS_CLIENT_CA}",
      description = "CA certificates, PEM (env CUSTOMERS_TLS_CLIENT_CA): every client must present a certificate they signed (mutual TLS).")
  File tlsClientCa;

  @Option(names = "--plaintext", defaultValue = "${env:CUSTOMERS_PLAINTEXT:-false}",
      description = "Serve without TLS (env CUSTOMERS_PLAINTEXT=true): only behind a proxy that terminates TLS, or on a private network."
          + " Without TLS files the server refuses to start unless this is set, or it runs the embedded demo on loopback.")
  boolean plaintext;

  @Option(names = "--port", defaultValue = "${env:CUSTOMERS_PORT:-50051}", description = "gRPC port (env CUSTOMERS_PORT). Default: ${DEFAULT-VALUE}.")
  int port;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (Backend backend = database.open();
        Database replica = replicaUrl == null || replicaUrl.isBlank() ? null : database.connectReplica(replicaUrl)) {
      ApiServices services = new ApiServices(backend.database(), replica, Clock.systemUTC(),
          ApiServices.Settings.DEFAULT.withEventRetention(Duration.parse("P" + eventRetention.toUpperCase(Locale.ROOT)))
              .withRateLimit(rateLimit, 2 * rateLimit));
      if (backend.embedded() != null && !services.apiKeys().anyTenant()) {
        createDemoTenant(services.apiKeys());
      } else if (backend.embedded() != null) {
        Path keyFile = database.dataDir.resolve(DEMO_KEY_FILE);
        if (Files.exists(keyFile)) {
          System.out.println("Demo tenant's API key (from " + keyFile + "): " + Files.readString(keyFile).strip());
        }
      }
      String host = listenAddress != null && !listenAddress.isBlank() ? listenAddress
          : backend.embedded() != null ? InetAddress.getLoopbackAddress().getHostAddress() : "0.0.0.0";
      Server server = services.configure(serverBuilder(new InetSocketAddress(host, port), backend.embedded() != null)).build().start();
      MetricsEndpoint metricsEndpoint = metrics ? new MetricsEndpoint(services.metrics(), new InetSocketAddress(host, metricsPort)) : null;
      if (metricsEndpoint != null) {
        System.out.println("metrics at http://localhost:" + metricsEndpoint.port() + "/metrics");
      }
      ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
      housekeeping.scheduleAtFixedRate(
          () -> purgeIdempotencyRecords(services, backend), 1, 60, TimeUnit.MINUTES);
      System.out.println("customers-server listening on port " + server.getPort() + " of " + host);
      Runtime.getRuntime().addShutdownHook(new Thread(
          new GracefulShutdown(services, server, Duration.ofSeconds(drainSeconds), GracefulShutdown.GRACE), "shutdown"));
      server.awaitTermination();
      housekeeping.shutdownNow();
      if (metricsEndpoint != null) {
        metricsEndpoint.close();
      }
      services.close();
    }
    return 0;
  }

  /**
   * A Netty server builder: TLS when certificate files are given; plaintext
   * when asked for, or for the embedded demo on the loopback address; else
   * no server at all, rather than personal data in clear by default.
   */
  private NettyServerBuilder serverBuilder(InetSocketAddress address, boolean demo) {
    if (tlsCert != null || tlsKey != null) {
      if (tlsCert == null || tlsKey == null) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--tls-cert and --tls-key go together");
      }
      return NettyServerBuilder.forAddress(address, ServerTls.credentials(tlsCert, tlsKey, tlsClientCa));
    }
    if (tlsClientCa != null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (!plaintext && !(demo && address.getAddress().isLoopbackAddress())) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "no TLS: give --tls-cert and --tls-key (and --tls-client-ca for mutual TLS), or --plaintext to serve without TLS");
    }
    return NettyServerBuilder.forAddress(address);
  }

  private void createDemoTenant(ApiKeys keys) throws IOException {
    ApiKeys.MintedKey key = keys.createTenant("Demo store", "CA");
    Path keyFile = database.dataDir.resolve(DEMO_KEY_FILE);
    Files.writeString(keyFile, key.key() + System.lineSeparator());
    System.out.println("Created the demo tenant " + key.tenantId() + ".");
    System.out.println("Demo tenant's API key (also saved in " + keyFile + "): " + key.key());
  }

  private static void purgeIdempotencyRecords(ApiServices services, Backend backend) {
    try {
      int purged = services.idempotency().purgeExpired(backend.database().dsl());
      log.info("purged {} expired idempotency records", purged);
    } catch (RuntimeException e) {
      log.warn("could not purge idempotency records: {}", Failures.describe(e));
    }
  }

  /** Where the data lives: options shared by every command. */
  static final class DatabaseOptions {
    @Option(names = "--database-url", defaultValue = "${env:CUSTOMERS_DATABASE_URL}",
        description = "JDBC URL of PostgreSQL (env CUSTOMERS_DATABASE_URL). None: an embedded PostgreSQL under --data-dir.")
    String url;

    @Option(names = "--database-user", defaultValue = "${env:CUSTOMERS_DATABASE_USER}", description = "Database user (env CUSTOMERS_DATABASE_USER).")
    String user;

    @Option(names = "--database-password", defaultValue = "${env:CUSTOMERS_DATABASE_PASSWORD}",
        description = "Database password (env CUSTOMERS_DATABASE_PASSWORD).")
    String password;

    @Option(names = "--migration-user", defaultValue = "${env:CUSTOMERS_MIGRATION_USER}",
        description = "The tables' owner, who runs the migrations and grants the database user what serving needs"
            + " (env CUSTOMERS_MIGRATION_USER). None: the database user migrates, and owns the tables, so row-level security"
            + " cannot be relied on.")
    String migrationUser;

    @Option(names = "--migration-password", defaultValue = "${env:CUSTOMERS_MIGRATION_PASSWORD}",
        description = "The migration user's password (env CUSTOMERS_MIGRATION_PASSWORD).")
    String migrationPassword;

    @Option(names = "--pool-size", defaultValue = "${env:CUSTOMERS_POOL_SIZE:-20}",
        description = "Database connections (env CUSTOMERS_POOL_SIZE). Default: ${DEFAULT-VALUE}.")
    int poolSize;

    @Option(names = "--data-dir", defaultValue = "${env:CUSTOMERS_DATA_DIR:-data}",
        description = "Directory of the embedded PostgreSQL's data (env CUSTOMERS_DATA_DIR). Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--embedded-port", defaultValue = "${env:CUSTOMERS_EMBEDDED_PORT:-0}",
        description = "Port of the embedded PostgreSQL; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int embeddedPort;

    /** Pools on a read replica, with the primary's credentials and pool size. */
    Database connectReplica(String replicaUrl) {
      return Database.connect(replicaUrl, user, password, poolSize, Duration.ofSeconds(60));
    }

    /**
     * Migrates the database as its owner and opens the pools as the serving
     * role, which row-level security holds to each call's tenant (V13): on
     * the embedded database, the superuser migrates and the server serves as
     * {@link ServingRole#EMBEDDED}; on another, {@code --migration-user}
     * migrates if given, else the serving user does (and owns the tables,
     * which the server warns about).
     */
    Backend open() {
      EmbeddedDatabase embedded = null;
      String servingUrl = url;
      String servingUser = user;
      String servingPassword = password;
      PGSimpleDataSource owner = null;
      if (url == null || url.isBlank()) {
        embedded = EmbeddedDatabase.start(dataDir, embeddedPort);
        System.out.println("No --database-url: using the embedded PostgreSQL in " + dataDir.toAbsolutePath());
        owner = ownerSource(embedded.jdbcUrl("postgres"), null, null);
        ServingRole.create(owner, ServingRole.EMBEDDED);
        servingUrl = embedded.jdbcUrl("postgres", ServingRole.EMBEDDED);
        servingUser = null;
        servingPassword = null;
      } else if (migrationUser != null && !migrationUser.isBlank()) {
        owner = ownerSource(url, migrationUser, migrationPassword);
      }
      Database db = Database.connect(servingUrl, servingUser, servingPassword, poolSize, Duration.ofSeconds(60));
      if (owner == null) {
        Database.migrate(db.dataSource());
      } else {
        ServingRole.migrate(owner, ServingRole.of(db));
      }
      ServingRole.check(db.dsl());
      return new Backend(db, embedded);
    }

    private static PGSimpleDataSource ownerSource(String jdbcUrl, String user, String password) {
      PGSimpleDataSource source = new PGSimpleDataSource();
      source.setURL(jdbcUrl);
      if (user != null) {
        source.setUser(user);
      }
      if (password != null) {
        source.setPassword(password);
      }
      return source;
    }
  }

  /** An open database, and the embedded server behind it if there is one. */
  record Backend(Database database, EmbeddedDatabase embedded) implements AutoCloseable {
    @Override
    public void close() {
      database.close();
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  @Command(name = "create-tenant", mixinStandardHelpOptions = true, description = "Creates a tenant and prints its first API key.")
  static final class CreateTenant implements Callable<Integer> {
    @Mixin DatabaseOptions database;

    @Option(names = "--name", required = true, description = "The store's name.")
    String name;

    @Option(names = "--country", required = true, description = "The store's country, ISO 3166-1 alpha-2 (default region of phones and postal codes).")
    String country;

    @Override
    public Integer call() {
      try (Backend backend = database.open()) {
        ApiKeys.MintedKey key = new ApiKeys(backend.database().dsl(), Clock.systemUTC()).createTenant(name, country.toUpperCase(java.util.Locale.ROOT));
        System.out.println("tenant " + key.tenantId());
        System.out.println("api key " + key.key());
      }
      return 0;
    }
  }

  @Command(name = "mint-key", mixinStandardHelpOptions = true, description = "Mints a new API key for an existing tenant.")
  static final class MintKey implements Callable<Integer> {
    @Mixin DatabaseOptions database;

    @Option(names = "--tenant", required = true, description = "The tenant's id.")
    UUID tenant;

    @Option(names = "--name", defaultValue = "minted key", description = "A label for the key.")
    String name;

    @Override
    public Integer call() {
      try (Backend backend = database.open()) {
        ApiKeys.MintedKey key = new ApiKeys(backend.database().dsl(), Clock.systemUTC()).mintKey(tenant, name);
        System.out.println("api key " + key.key());
      }
      return 0;
    }
  }
}
