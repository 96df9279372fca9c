package retail.customers.server.testing;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.TaxClassServiceGrpc;

/**
 * A JUnit 5 extension that gives a test class the whole API over grpc-java's
 * in-process transport, on a database of its own, with two tenants ("A" in
 * Canada and "B" in France) and their keys. It does what grpc-java's
 * GrpcCleanupRule does for JUnit 4: everything is shut down after the class.
 *
 * <pre>{@code
 * @RegisterExtension static final ApiServer api = new ApiServer();
 * ... api.customers().createCustomer(...)
 * }</pre>
 */
public final class ApiServer implements BeforeAllCallback, AfterAllCallback {
  private final Clock clock;
  private final ApiServices.Settings settings;
  private final io.grpc.ServerInterceptor[] faults;
  private Database database;
  private Database serving;
  private String databaseName;
  private ApiServices services;
  private Server server;
  private ManagedChannel channel;
  private ApiKeys.MintedKey tenantA;
  private ApiKeys.MintedKey tenantB;

  public ApiServer() {
    this(Clock.systemUTC());
  }

  public ApiServer(Clock clock) {
    this(clock, ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(0, 0));
  }

  /** With other settings than the tests' defaults (which count searches to the end and limit no key's rate). */
  public ApiServer(Clock clock, ApiServices.Settings settings) {
    this.clock = clock;
    this.settings = settings;
    this.faults = new io.grpc.ServerInterceptor[0];
  }

  /**
   * With an interceptor around every call, outside the server's own (one
   * that drops answers, cuts streams): what a flaky network does to calls
   * the server has handled.
   */
  public static ApiServer withFaults(io.grpc.ServerInterceptor faults) {
    return new ApiServer(faults);
  }

  private ApiServer(io.grpc.ServerInterceptor faults) {
    this.clock = Clock.systemUTC();
    this.settings = ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(0, 0);
    this.faults = new io.grpc.ServerInterceptor[] {faults};
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    database = TestDatabases.create();
    databaseName = database.dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    // Searches count their matches to the end: an outcome that depended on
    // how busy the machine is would make tests fail for no change.
    // The server serves as the serving role, held to each call's tenant by
    // row-level security; database() stays the owner's, for tests to look
    // at every tenant's rows.
    serving = TestDatabases.serving(databaseName);
    services = new ApiServices(serving, clock, settings);
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = services.configure(InProcessServerBuilder.forName(name));
    for (io.grpc.ServerInterceptor fault : faults) {
      builder.intercept(fault);
    }
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    tenantA = services.apiKeys().createTenant("Store A", "CA");
    tenantB = services.apiKeys().createTenant("Store B", "FR");
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    serving.close();
    database.close();
    TestDatabases.drop(databaseName);
  }

  /** The test database as its owner, who sees every tenant's rows. */
  public Database database() {
    return database;
  }

  /** The test database as the server's role, held to the current {@code Tenancy}'s rows. */
  public Database serving() {
    return serving;
  }

  public ApiServices services() {
    return services;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public ApiKeys.MintedKey tenantA() {
    return tenantA;
  }

  public ApiKeys.MintedKey tenantB() {
    return tenantB;
  }

  /** Customer service stub of tenant A. */
  public CustomerServiceGrpc.CustomerServiceBlockingStub customers() {
    return customers(tenantA.key());
  }

  public CustomerServiceGrpc.CustomerServiceBlockingStub customers(String key) {
    return CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(bearer(key));
  }

  public CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub customerTypes() {
    return customerTypes(tenantA.key());
  }

  public CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub customerTypes(String key) {
    return CustomerTypeServiceGrpc.newBlockingStub(channel).withCallCredentials(bearer(key));
  }

  public TaxClassServiceGrpc.TaxClassServiceBlockingStub taxClasses() {
    return taxClasses(tenantA.key());
  }

  public TaxClassServiceGrpc.TaxClassServiceBlockingStub taxClasses(String key) {
    return TaxClassServiceGrpc.newBlockingStub(channel).withCallCredentials(bearer(key));
  }

  public CustomFieldServiceGrpc.CustomFieldServiceBlockingStub customFields() {
    return customFields(tenantA.key());
  }

  public CustomFieldServiceGrpc.CustomFieldServiceBlockingStub customFields(String key) {
    return CustomFieldServiceGrpc.newBlockingStub(channel).withCallCredentials(bearer(key));
  }

  /** Call credentials sending {@code authorization: Bearer <key>}. */
  public static CallCredentials bearer(String key) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        applier.apply(headers);
      }
    };
  }
}
