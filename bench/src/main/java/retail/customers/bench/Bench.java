package retail.customers.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import retail.customers.client.CustomersChannel;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.db.EmbeddedDatabase;
import retail.customers.server.db.ServingRole;

/**
 * Benchmarks of the service at scale. Each command seeds (or reuses) a
 * tenant of realistic customers, starts the real gRPC server on a local port
 * and measures it against plain SQL on the same database in the same run, so
 * that the printed ratios do not depend on how fast this machine is.
 */
@Command(name = "customers-bench", mixinStandardHelpOptions = true, subcommands = {Bench.Search.class, Bench.Exchange.class, Bench.Changes.class, Bench.Duplicates.class, Bench.Writes.class, Bench.Isolation.class})
public final class Bench {
  /** The server's statement timeout: long enough for the seeding's index builds. */
  static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(10);

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  /** The data set and where it lives; shared by every benchmark. */
  static final class Setup {
    @Option(names = "--customers", defaultValue = "1000000", description = "Customers of the measured tenant. Default: ${DEFAULT-VALUE}.")
    long customers;

    @Option(names = "--other-tenants", defaultValue = "4", description = "Other tenants, to make isolation real. Default: ${DEFAULT-VALUE}.")
    int otherTenants;

    @Option(names = "--other-customers", defaultValue = "20000", description = "Customers of each other tenant. Default: ${DEFAULT-VALUE}.")
    long otherCustomers;

    @Option(names = "--database-url", description = "JDBC URL of a PostgreSQL to use (its user must own the schema). Default: an embedded PostgreSQL in --data-dir.")
    String databaseUrl;

    @Option(names = "--serving-url", description = "JDBC URL of --database-url as the role the server serves as (not the owner);"
        + " default: the owner serves. With the embedded PostgreSQL the server serves as " + ServingRole.EMBEDDED + ".")
    String servingUrl;

    @Option(names = "--serve-as-owner", description = "The server serves as the tables' owner, a superuser that row-level security"
        + " does not hold: the set-up before V13, to measure what row-level security costs.")
    boolean serveAsOwner;

    @Option(names = "--data-dir", defaultValue = "bench-data", description = "Data directory of the embedded PostgreSQL; kept, so a second run reuses the seeded data. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--pool-size", description = "Database connections of each of the server's pools."
        + " Default: HikariCP's rule for a database on this machine, twice its cores plus one.")
    Integer poolSize;

    @Option(names = "--seconds", defaultValue = "8", description = "Measured seconds per figure. Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "Warm-up seconds before each figure. Default: ${DEFAULT-VALUE}.")
    int warmupSeconds;

    /** Starts everything; the caller closes the result. */
    Environment start() throws Exception {
      EmbeddedDatabase embedded = null;
      String url = databaseUrl;
      if (url == null) {
        embedded = EmbeddedDatabase.start(dataDir, 0, "2GB");
        url = embedded.jdbcUrl("postgres");
      }
      // More statements at once than the cores can run only make them take
      // turns, PostgreSQL's backends and the server's threads alike: at 8
      // clients on 2 cores, a pool of 40 left the common word's p95 at 3.5
      // times its p50.
      int connections = connections();
      Database database = Database.connect(url, null, null, connections, STATEMENT_TIMEOUT);
      Database.migrate(database.dataSource());
      Database serving = database;
      String servingAs = servingUrl(embedded);
      if (servingAs != null) {
        if (embedded != null) {
          ServingRole.create(database.dataSource(), ServingRole.EMBEDDED);
        }
        serving = Database.connect(servingAs, null, null, connections, STATEMENT_TIMEOUT);
        ServingRole.grant(database.dataSource(), ServingRole.of(serving));
        ServingRole.check(serving.dsl());
      }
      ApiServices services = services(serving);
      UUID tenant = prepareData(database, services.apiKeys());
      String key = services.apiKeys().mintKey(tenant, "benchmark").key();
      UUID createsTenant = createsTenant(database, services.apiKeys());
      String createsKey = services.apiKeys().mintKey(createsTenant, "benchmark").key();
      Servers.Started server = Servers.start(services);
      CustomersChannel api = Environment.connect(server, key);
      System.out.printf("server on port %d, %s, serving as %s%n", server.port(), embedded == null ? url : "embedded PostgreSQL in " + dataDir,
          serving.dsl().resultQuery("select current_user || case when rolsuper or rolbypassrls then ' (row-level security bypassed)'"
              + " else ' (row-level security enforced)' end from pg_roles where rolname = current_user").fetchSingle(0, String.class));
      return new Environment(database, serving, url, embedded, services, server, api, key, tenant, createsTenant, createsKey);
    }

    /** Connections of each of a server's pools. */
    int connections() {
      return poolSize != null ? poolSize : 2 * Runtime.getRuntime().availableProcessors() + 1;
    }

    /** The URL the server serves by (not the owner's), or null when it serves as the owner. */
    String servingUrl(EmbeddedDatabase embedded) {
      return serveAsOwner ? null : embedded != null ? embedded.jdbcUrl("postgres", ServingRole.EMBEDDED) : servingUrl;
    }

    /** The service's object graph over {@code database}, as the benchmarks run it. */
    static ApiServices services(Database database) {
      // Many clients of one key, as fast as they can: no rate limit.
      return new ApiServices(database, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withRateLimit(0, 0));
    }

    /**
     * The tenant that the create benchmark writes to, made on first use. Had
     * they gone to the measured tenant, an earlier run's creates would be its
     * newest customers, the first that a search in time order walks, and
     * each run would search other data than the last.
     */
    private static UUID createsTenant(Database database, ApiKeys keys) throws SQLException {
      Optional<UUID> made = database.dsl().fetchOptional("select id from tenant where display_name = 'bench-creates'")
          .map(r -> r.get(0, UUID.class));
      if (made.isPresent()) {
        return made.get();
      }
      UUID tenant = keys.createTenant("bench-creates", "CA").tenantId();
      try (Connection c = database.dataSource().getConnection()) {
        Seeder.pricing(c, tenant);
      }
      return tenant;
    }

    /** The measured tenant, seeded now unless a previous run left it complete. */
    private UUID prepareData(Database database, ApiKeys keys) throws SQLException {
      String name = "bench-main-" + customers;
      try (Connection c = database.dataSource().getConnection();
          PreparedStatement s = c.prepareStatement(
              "select t.id, (select count(*) from customer where tenant_id = t.id and source = 'IMPORT') from tenant t where display_name = ?")) {
        s.setString(1, name);
        try (ResultSet r = s.executeQuery()) {
          if (r.next() && r.getLong(2) >= customers) {
            System.out.printf("reusing tenant %s with %,d seeded customers%n", r.getString(1), r.getLong(2));
            UUID tenant = r.getObject(1, UUID.class);
            // An earlier run's creates leave the trigram index's pending list
            // full and the statistics stale: start clean.
            try (var vacuum = c.createStatement()) {
              Seeder.vacuum(vacuum);
            }
            return tenant;
          }
        }
      }
      System.out.printf("seeding %,d customers (plus %d tenants of %,d)...%n", customers, otherTenants, otherCustomers);
      List<UUID> tenants = new ArrayList<>();
      List<Long> counts = new ArrayList<>();
      UUID main = keys.createTenant(name, "CA").tenantId();
      tenants.add(main);
      counts.add(customers);
      for (int i = 0; i < otherTenants; i++) {
        tenants.add(keys.createTenant("bench-other-" + i, "CA").tenantId());
        counts.add(otherCustomers);
      }
      new Seeder(database.dataSource()).seed(tenants, counts);
      return main;
    }
  }

  /** A running benchmark environment. */
  record Environment(
      Database database, Database serving, String jdbcUrl, EmbeddedDatabase embedded, ApiServices services, Servers.Started server, CustomersChannel api,
      String apiKey, UUID tenant, UUID createsTenant, String createsKey) implements AutoCloseable {
    /** A new connection to the server with the measured tenant's key; the caller closes it. */
    CustomersChannel connect() {
      return connect(apiKey);
    }

    /** A new connection to the server with {@code key}; the caller closes it. */
    CustomersChannel connect(String key) {
      return connect(server, key);
    }

    /** A new connection to {@code other} with {@code key}; the caller closes it. */
    static CustomersChannel connect(Servers.Started other, String key) {
      return CustomersChannel.builder("localhost:" + other.port()).apiKey(key).usePlaintext().build();
    }

    @Override
    public void close() throws Exception {
      api.close();
      server.close();
      services.close();
      if (serving != database) {
        serving.close();
      }
      database.close();
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = "SearchCustomers latency and throughput by query shape, gRPC vs SQL, and CreateCustomer throughput.")
  static final class Search implements Callable<Integer> {
    @Mixin Setup setup;

    @Option(names = "--only", split = ",", description = "Measure only the query shapes (or \"create\") whose names start so; default: all.")
    List<String> only = new ArrayList<>();

    @Option(names = "--shared-channel",
        description = "All gRPC clients share one channel (one HTTP/2 connection), as threads of one back office would; default: a channel each, as registers have, like the SQL side's connection each.")
    boolean sharedChannel;

    @Override
    public Integer call() throws Exception {
      try (Environment env = setup.start();
          Channels channels = new Channels(env::connect);
          Channels createChannels = new Channels(() -> env.connect(env.createsKey()))) {
        SearchBenchmark benchmark =
            new SearchBenchmark(env.jdbcUrl(), sharedChannel ? client -> env.api() : channels, env.tenant(),
                createChannels, env.createsTenant(),
                Duration.ofSeconds(setup.warmupSeconds), Duration.ofSeconds(setup.seconds), only);
        try {
          benchmark.run();
        } finally {
          benchmark.close();
        }
      }
      return 0;
    }
  }

  @Command(name = "changes", mixinStandardHelpOptions = true,
      description = "WatchCustomers: latency from a write's return to its event's arrival, and events per second.")
  static final class Changes implements Callable<Integer> {
    @Mixin Setup setup;

    @Override
    public Integer call() throws Exception {
      try (Environment env = setup.start();
          Channels writers = new Channels(() -> env.connect(env.createsKey()));
          CustomersChannel watcher = env.connect(env.createsKey())) {
        new ChangeStreamBenchmark(writers, watcher, Duration.ofSeconds(setup.seconds)).run();
      }
      return 0;
    }
  }

  @Command(name = "duplicates", mixinStandardHelpOptions = true,
      description = "FindDuplicateCustomers: the whole-tenant scan against a plain read of the same customers, and one customer's duplicates.")
  static final class Duplicates implements Callable<Integer> {
    @Mixin Setup setup;

    @Override
    public Integer call() throws Exception {
      try (Environment env = setup.start()) {
        new DuplicatesBenchmark(env.jdbcUrl(), env.api(), env.tenant()).run();
      }
      return 0;
    }
  }

  @Command(name = "writes", mixinStandardHelpOptions = true,
      description = "Get, BatchGet, Create and Update against the same SQL, batches against single creates, 16 batches at once.")
  static final class Writes implements Callable<Integer> {
    @Mixin Setup setup;

    @Option(names = "--only", split = ",", description = "Measure only the calls whose names start so (\"GetCustomer\", \"CreateCustomer\","
        + " \"Batch\" for the batches...): to profile one; default: all.")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      try (Environment env = setup.start();
          Channels reads = new Channels(env::connect);
          Channels writes = new Channels(() -> env.connect(env.createsKey()))) {
        WritesBenchmark benchmark = new WritesBenchmark(env.jdbcUrl(), reads, env.tenant(), writes, env.createsTenant(),
            Duration.ofSeconds(setup.warmupSeconds), Duration.ofSeconds(setup.seconds), only);
        try {
          benchmark.run();
        } finally {
          benchmark.close();
        }
      }
      return 0;
    }
  }

  @Command(name = "exchange", mixinStandardHelpOptions = true,
      description = "ExportCustomers vs COPY TO, the server's heap while exporting, ImportCustomers vs COPY FROM.")
  static final class Exchange implements Callable<Integer> {
    @Mixin Setup setup;

    @Option(names = "--import-rows", defaultValue = "200000", description = "Rows imported by each side. Default: ${DEFAULT-VALUE}.")
    long importRows;

    @Option(names = "--work-dir", defaultValue = "bench-files", description = "Where the CSV files go. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Override
    public Integer call() throws Exception {
      try (Environment env = setup.start()) {
        new ExchangeBenchmark(env.database(), env.api(), env.services().apiKeys(), env.tenant(), workDir, importRows).run();
      }
      return 0;
    }
  }

  @Command(name = "isolation", mixinStandardHelpOptions = true,
      description = "What row-level security costs: the target searches, GetCustomer, CreateCustomer and UpdateCustomer through a server"
          + " serving under row-level security against one serving as the owner, on the same database, in alternating slices.")
  static final class Isolation implements Callable<Integer> {
    @Mixin Setup setup;

    @Option(names = "--only", split = ",", description = "Measure only the calls whose names start so (\"search: \", \"GetCustomer\", \"CreateCustomer\","
        + " \"UpdateCustomer\"); default: all.")
    List<String> only = new ArrayList<>();

    @Option(names = "--same-role", description = "The second server serves as the first's role too: a control run,"
        + " whose ratios show what the benchmark itself makes of two alike servers.")
    boolean sameRole;

    @Override
    public Integer call() throws Exception {
      if (setup.serveAsOwner) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--serve-as-owner: this benchmark runs a server of each role");
      }
      try (Environment env = setup.start();
          OwnerServer ownerServer = sameRole
              ? OwnerServer.start(Database.connect(setup.servingUrl(env.embedded()), null, null, setup.connections(), STATEMENT_TIMEOUT), true)
              : OwnerServer.start(env.database(), false);
          Channels securedReads = new Channels(env::connect);
          Channels ownerReads = new Channels(() -> Environment.connect(ownerServer.server(), env.apiKey()));
          Channels securedWrites = new Channels(() -> env.connect(env.createsKey()));
          Channels ownerWrites = new Channels(() -> Environment.connect(ownerServer.server(), env.createsKey()))) {
        if (env.serving() == env.database()) {
          throw new IllegalStateException("the server serves as the owner: give --serving-url, or use the embedded PostgreSQL");
        }
        List<SearchShapes.Shape> shapes;
        try (Connection c = env.database().dataSource().getConnection()) {
          shapes = SearchShapes.sample(c, env.tenant());
        }
        List<UUID> readIds = env.database().dsl()
            .fetch("select id from customer tablesample system (2) where tenant_id = ? and merged_into is null limit 10000", env.tenant())
            .getValues(0, UUID.class);
        System.out.printf("and a second server on port %d, serving as %s%n", ownerServer.server().port(),
            sameRole ? "the same role (a control run: \"owner\" below is that second server)" : "the owner");
        new IsolationBenchmark(new IsolationBenchmark.Servers(securedReads, ownerReads),
            new IsolationBenchmark.Servers(securedWrites, ownerWrites), shapes, readIds,
            Duration.ofSeconds(setup.warmupSeconds), Duration.ofSeconds(setup.seconds), only).run();
      }
      return 0;
    }

    /** The second server, serving as the owner over the owner's pool. */
    private record OwnerServer(ApiServices services, Servers.Started server, Database ownDatabase) implements AutoCloseable {
      /** @param closesDatabase whether the server's database is its own, to close with it */
      static OwnerServer start(Database database, boolean closesDatabase) throws java.io.IOException {
        ApiServices services = Setup.services(database);
        return new OwnerServer(services, Servers.start(services), closesDatabase ? database : null);
      }

      @Override
      public void close() throws InterruptedException {
        server.close();
        services.close();
        if (ownDatabase != null) {
          ownDatabase.close();
        }
      }
    }
  }
}
