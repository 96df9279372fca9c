package retail.customers.server;

import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import retail.customers.server.audit.AuditService;
import retail.customers.server.auth.ApiKeyService;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.auth.AuthInterceptor;
import retail.customers.server.auth.RateLimiter;
import retail.customers.server.changes.ChangeNotifier;
import retail.customers.server.changes.ChangeRetention;
import retail.customers.server.changes.ChangeSequencer;
import retail.customers.server.changes.ChangeStream;
import retail.customers.server.customer.BatchWrites;
import retail.customers.server.customer.CustomerCommands;
import retail.customers.server.customer.CustomerService;
import retail.customers.server.customertype.CustomerTypeService;
import retail.customers.server.customfield.CustomFieldDefinitions;
import retail.customers.server.customfield.CustomFieldService;
import retail.customers.server.db.Database;
import retail.customers.server.db.ReadRouting;
import retail.customers.server.duplicates.DuplicateFinder;
import retail.customers.server.exchange.CustomerExport;
import retail.customers.server.exchange.CustomerImport;
import retail.customers.server.grpc.EarlyHeaders;
import retail.customers.server.grpc.ErrorHandlingInterceptor;
import retail.customers.server.grpc.MalformedRequests;
import retail.customers.server.grpc.OpenCalls;
import retail.customers.server.idempotency.IdempotentRequests;
import retail.customers.server.ops.CallObserver;
import retail.customers.server.ops.DatabaseGate;
import retail.customers.server.ops.DatabaseHealth;
import retail.customers.server.ops.FailureTriggeredCheck;
import retail.customers.server.search.CountBudget;
import retail.customers.server.search.CustomerSearch;
import retail.customers.server.search.TagCounts;
import retail.customers.server.taxclass.TaxClassService;

/**
 * The one place that builds the object graph and puts it on a gRPC server:
 * the real server and the tests both call {@link #configure}, with a Netty or
 * an in-process builder.
 */
public final class ApiServices {
  private final HealthStatusManager health = new HealthStatusManager();
  /** Health's open calls: its Watch streams never end by themselves. */
  private final OpenCalls healthCalls = new OpenCalls();
  /**
   * Where calls run: platform threads, made as calls need them and kept for
   * the next (grpc-java's own default). A virtual thread that waits on
   * JDBC's socket is parked, then woken by the poller and scheduled again:
   * two more thread hops per statement, which cost 0.1 to 0.3 ms of a
   * search here, as much as PostgreSQL takes to find a postal code. The
   * database pool bounds how many calls work at once; exports and imports
   * do their long work on threads of their own.
   */
  private final ExecutorService executor =
      Executors.newCachedThreadPool(Thread.ofPlatform().name("customers-call-", 0).daemon(true).factory());
  private final ApiKeys apiKeys;
  private final IdempotentRequests idempotency;
  private final List<BindableService> services;
  private final List<CustomerExport> exports = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Wakes streams whose events wait behind a running transaction, and runs retention. */
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("customers-timer").daemon(true).factory());
  private final ChangeNotifier notifier;
  private final ChangeSequencer sequencer;
  private final ChangeStream changes;
  private final DatabaseHealth databaseHealth;
  private final ReadRouting routing;
  private final RateLimiter rateLimiter;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** The services that report the database's health (all of the API's). */
  private final List<String> servingNames = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * What the object graph is built with, beyond the database and the clock.
   *
   * @param countBudget how long a search may count its matches for an exact total
   * @param eventRetention how long change-stream events are kept
   * @param healthInterval how often the database's health is checked
   * @param callsPerSecond each API key's call rate limit (0: none), {@code burst} the calls it may make at once
   */
  public record Settings(
      CountBudget countBudget, Duration eventRetention, Duration healthInterval, double callsPerSecond, double burst) {
    /** 200 calls a second per key, in bursts of up to 400: far above a register's, far below a runaway loop's. */
    public static final Settings DEFAULT =
        new Settings(CountBudget.DEFAULT, ChangeRetention.DEFAULT, Duration.ofSeconds(1), 200, 400);

    public Settings withCountBudget(CountBudget budget) {
      return new Settings(budget, eventRetention, healthInterval, callsPerSecond, burst);
    }

    public Settings withEventRetention(Duration retention) {
      return new Settings(countBudget, retention, healthInterval, callsPerSecond, burst);
    }

    /** @param callsPerSecond per API key; 0 turns the limit off */
    public Settings withRateLimit(double callsPerSecond, double burst) {
      return new Settings(countBudget, eventRetention, healthInterval, callsPerSecond, burst);
    }
  }

  /**
   * The largest request message, as gRPC's default: a batch of 1,000 full
   * customers fits several times over, and an import streams its file in
   * chunks. A larger message is RESOURCE_EXHAUSTED, named as such by gRPC.
   */
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  public ApiServices(Database database, Clock clock) {
    this(database, clock, Settings.DEFAULT);
  }

  public ApiServices(Database database, Clock clock, Settings settings) {
    this(database, null, clock, settings);
  }

  /**
   * @param replica a read replica's pools for back-office searches and exports ({@link ReadRouting}), or null
   */
  public ApiServices(Database database, Database replica, Clock clock, Settings settings) {
    DSLContext dsl = database.dsl();
    this.apiKeys = new ApiKeys(dsl, clock);
    this.idempotency = new IdempotentRequests(clock);
    CustomFieldDefinitions definitions = new CustomFieldDefinitions(clock);
    CustomerCommands commands = new CustomerCommands(idempotency, definitions, clock);
    this.notifier = new ChangeNotifier(database::dedicatedConnection);
    this.sequencer = new ChangeSequencer(notifier, database::dedicatedConnection);
    this.changes = new ChangeStream(dsl, notifier, executor);
    ChangeRetention retention = new ChangeRetention(dsl, settings.eventRetention());
    timer.scheduleWithFixedDelay(retention::runQuietly, 1, 60, TimeUnit.SECONDS);
    Duration healthTimeout = Duration.ofSeconds(2);
    this.databaseHealth = new DatabaseHealth(() -> database.dedicatedConnection(healthTimeout), healthTimeout, status -> {
      if (status == ServingStatus.SERVING) {
        database.renewConnections(); // the database is back: drop the connections it lost
      }
      serving(status);
    });
    timer.scheduleWithFixedDelay(
        databaseHealth::check, 0, settings.healthInterval().toMillis(), TimeUnit.MILLISECONDS);
    database.bindMetrics(metrics);
    Gauge.builder("customers.watch.streams.open", changes, ChangeStream::open)
        .description("WatchCustomers streams open on this server").register(metrics);
    FunctionCounter.builder("customers.watch.events.sent", changes, ChangeStream::sent)
        .description("change-stream events sent, over all streams").register(metrics);
    Counter exported = Counter.builder("customers.export.rows").description("rows sent by ExportCustomers").register(metrics);
    Counter imported = Counter.builder("customers.import.rows").description("rows stored by ImportCustomers").register(metrics);
    this.rateLimiter = new RateLimiter(settings.callsPerSecond(), settings.burst(), clock);
    this.routing = new ReadRouting(replica, clock);
    if (replica != null) {
      replica.bindMetrics(metrics);
      timer.scheduleWithFixedDelay(routing::checkLag, 0, settings.healthInterval().toMillis(), TimeUnit.MILLISECONDS);
      Gauge.builder("customers.replica.lag.seconds", routing, r -> r.lag().map(l -> l.toNanos() / 1e9).orElse(Double.NaN))
          .description("the read replica's lag behind the primary (NaN: unreachable)").register(metrics);
    }
    FunctionCounter.builder("customers.reads.routed", routing, ReadRouting::readsOnReplica).tag("to", "replica").register(metrics);
    FunctionCounter.builder("customers.reads.routed", routing, ReadRouting::readsOnPrimary).tag("to", "primary").register(metrics);
    CustomerSearch search = new CustomerSearch(dsl, database.cachedPlans(), clock, settings.countBudget());
    CustomerExport export = new CustomerExport(dsl, exported);
    this.exports.add(export);
    this.services =
        List.of(
            new CustomerService(commands, search, new TagCounts(dsl), export,
                new CustomerImport(dsl, commands, clock, imported), changes, routing,
                replica == null ? search : new CustomerSearch(replica.dsl(), replica.cachedPlans(), clock, settings.countBudget()),
                replica == null ? export : replicaExport(replica, dsl, exported), new DuplicateFinder(dsl, clock), database.cachedPlans(),
                new BatchWrites(dsl, metrics)),
            new CustomerTypeService(dsl, idempotency),
            new TaxClassService(dsl, idempotency),
            new CustomFieldService(dsl, idempotency, definitions),
            new ApiKeyService(dsl, apiKeys, clock),
            new AuditService(dsl));
  }

  /**
   * Adds the API's services behind authentication and error mapping, plus the
   * standard health and reflection services (which need no key), and runs
   * every call on the call executor: jOOQ and JDBC block, and must never
   * block a Netty event loop.
   */
  public <T extends ServerBuilder<T>> T configure(T builder) {
    builder.executor(executor);
    builder.maxInboundMessageSize(MAX_MESSAGE_BYTES);
    AuthInterceptor auth = new AuthInterceptor(apiKeys);
    ErrorHandlingInterceptor errors = new ErrorHandlingInterceptor();
    EarlyHeaders early = new EarlyHeaders();
    CallObserver observer = new CallObserver(metrics, System::nanoTime, this::wrote);
    DatabaseGate gate = new DatabaseGate(databaseHealth::status);
    FailureTriggeredCheck recheck = new FailureTriggeredCheck(databaseHealth::status, databaseHealth::check, timer);
    for (BindableService service : services) {
      // The last interceptor runs first: observe, check the database's
      // health at once when a call finds it unreachable, refuse at once while
      // it is (before the key is looked up), authenticate,
      // hold the key to its rate limit, then map
      // whatever the service throws (the observer sees the mapped status).
      // Requests whose bytes protobuf refuses fail inside them, as invalid fields.
      builder.addService(ServerInterceptors.intercept(
          MalformedRequests.answeredAsInvalid(service.bindService()), early, errors, rateLimiter, auth, gate, recheck, observer));
      servingNames.add(service.bindService().getServiceDescriptor().getName());
    }
    servingNames.add(HealthStatusManager.SERVICE_NAME_ALL_SERVICES);
    serving(databaseHealth.status());
    builder.addService(ServerInterceptors.intercept(health.getHealthService(), healthCalls, observer));
    builder.addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), observer));
    return builder;
  }

  /** The API's services as the server binds them (without health and reflection). */
  public List<io.grpc.ServerServiceDefinition> definitions() {
    return services.stream().map(BindableService::bindService).toList();
  }

  private CustomerExport replicaExport(Database replica, DSLContext primary, Counter exported) {
    CustomerExport export = new CustomerExport(replica.dsl(), primary, exported);
    exports.add(export);
    return export;
  }

  /**
   * Ends the exports still running with UNAVAILABLE and their resume token
   * (the end of a shutdown's grace: see {@link CustomerExport#closeAll()}).
   */
  public void closeExports() {
    exports.forEach(CustomerExport::closeAll);
  }

  public ApiKeys apiKeys() {
    return apiKeys;
  }

  public IdempotentRequests idempotency() {
    return idempotency;
  }

  /** A write call of the tenant succeeded: its reads stay on the primary for a while, and its streams are woken. */
  private void wrote(UUID tenant) {
    routing.wrote(tenant);
    sequencer.committed(tenant);
  }

  /** Sets every API service's health (ignored once shutting down). */
  private void serving(ServingStatus status) {
    for (String name : servingNames) {
      health.setStatus(name, status);
    }
  }

  public ReadRouting routing() {
    return routing;
  }

  /** The server's metrics, for the Prometheus endpoint. */
  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /** Checks the database's health now (the timer does it every interval). */
  public void checkDatabase() {
    databaseHealth.check();
  }

  /** Reports NOT_SERVING, so that load balancers stop sending calls before shutdown. */
  public void enterShutdown() {
    health.enterTerminalState();
  }

  /**
   * Ends the streams that never end by themselves, change streams and
   * health watches, with UNAVAILABLE (change streams with where to resume):
   * the end of a shutdown's drain.
   */
  public void closeStreams() {
    changes.closeAll();
    healthCalls.closeAll(Status.UNAVAILABLE.withDescription("the server is shutting down"));
  }

  public ChangeStream changes() {
    return changes;
  }

  /** Stops the call executor, the timer and the change listener once the server has stopped. */
  public void close() {
    sequencer.close();
    notifier.close();
    timer.shutdownNow();
    databaseHealth.close();
    executor.shutdown();
  }
}
