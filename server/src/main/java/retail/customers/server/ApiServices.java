package retail.customers.server;

import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.time.Clock;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import retail.customers.server.changes.ChangeNotifier;
import retail.customers.server.changes.ChangeRetention;
import retail.customers.server.changes.ChangeStream;
import retail.customers.server.grpc.EarlyHeaders;
import java.util.concurrent.Executors;
import org.jooq.DSLContext;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.auth.AuthInterceptor;
import retail.customers.server.customer.CustomerCommands;
import retail.customers.server.customer.CustomerService;
import retail.customers.server.customertype.CustomerTypeService;
import retail.customers.server.customfield.CustomFieldDefinitions;
import retail.customers.server.customfield.CustomFieldService;
import retail.customers.server.db.Database;
import retail.customers.server.exchange.CustomerExport;
import retail.customers.server.exchange.CustomerImport;
import retail.customers.server.grpc.ErrorHandlingInterceptor;
import retail.customers.server.idempotency.IdempotentRequests;
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
  /** Wakes streams whose events wait behind a running transaction, and runs retention. */
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("customers-timer").daemon(true).factory());
  private final ChangeNotifier notifier;
  private final ChangeStream changes;
  private final ChangeRetention retention;

  public ApiServices(Database database, Clock clock) {
    this(database, clock, CountBudget.DEFAULT, ChangeRetention.DEFAULT);
  }

  /**
   * @param countBudget how long a search may count its matches for an exact total
   * @param eventRetention how long change-stream events are kept
   */
  public ApiServices(Database database, Clock clock, CountBudget countBudget, Duration eventRetention) {
    DSLContext dsl = database.dsl();
    this.apiKeys = new ApiKeys(dsl, clock);
    this.idempotency = new IdempotentRequests(clock);
    CustomFieldDefinitions definitions = new CustomFieldDefinitions(clock);
    CustomerCommands commands = new CustomerCommands(idempotency, definitions, clock);
    this.notifier = new ChangeNotifier(database::dedicatedConnection);
    this.changes = new ChangeStream(dsl, notifier, executor, timer);
    this.retention = new ChangeRetention(dsl, eventRetention);
    timer.scheduleWithFixedDelay(retention::runQuietly, 1, 60, TimeUnit.SECONDS);
    this.services =
        List.of(
            new CustomerService(dsl, commands, new CustomerSearch(dsl, database.cachedPlans(), clock, countBudget), new TagCounts(dsl),
                new CustomerExport(dsl),
                new CustomerImport(dsl, commands, clock), changes),
            new CustomerTypeService(dsl, idempotency),
            new TaxClassService(dsl, idempotency),
            new CustomFieldService(dsl, idempotency, definitions));
  }

  /**
   * Adds the API's services behind authentication and error mapping, plus the
   * standard health and reflection services (which need no key), and runs
   * every call on the call executor: jOOQ and JDBC block, and must never
   * block a Netty event loop.
   */
  public <T extends ServerBuilder<T>> T configure(T builder) {
    builder.executor(executor);
    AuthInterceptor auth = new AuthInterceptor(apiKeys);
    ErrorHandlingInterceptor errors = new ErrorHandlingInterceptor();
    EarlyHeaders early = new EarlyHeaders();
    for (BindableService service : services) {
      // The last interceptor runs first: authenticate, then map whatever the service throws.
      builder.addService(ServerInterceptors.intercept(service, early, errors, auth));
      health.setStatus(service.bindService().getServiceDescriptor().getName(), ServingStatus.SERVING);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    builder.addService(health.getHealthService());
    builder.addService(ProtoReflectionServiceV1.newInstance());
    return builder;
  }

  public ApiKeys apiKeys() {
    return apiKeys;
  }

  public IdempotentRequests idempotency() {
    return idempotency;
  }

  /** Reports NOT_SERVING, so that load balancers stop sending calls before shutdown. */
  public void enterShutdown() {
    health.enterTerminalState();
  }

  public ChangeStream changes() {
    return changes;
  }

  public ChangeRetention retention() {
    return retention;
  }

  /** Stops the call executor, the timer and the change listener once the server has stopped. */
  public void close() {
    notifier.close();
    timer.shutdownNow();
    executor.shutdown();
  }
}
