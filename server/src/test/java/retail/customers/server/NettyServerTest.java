package retail.customers.server;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;

/**
 * The same wiring as the real server, on Netty and a real TCP port: what the
 * in-process tests cannot show (HTTP/2 framing, metadata and the binary error
 * details in trailers, the virtual-thread executor) works over the wire.
 */
class NettyServerTest {
  private static Database database;
  private static String databaseName;
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;
  private static ApiKeys.MintedKey key;

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabases.create();
    databaseName = database.dsl().fetchValue(DSL.field("current_database()", String.class));
    services = new ApiServices(database, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(0, 0));
    server = services.configure(NettyServerBuilder.forPort(0)).build().start();
    channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
    key = services.apiKeys().createTenant("Netty store", "CA");
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    database.close();
    TestDatabases.drop(databaseName);
  }

  private static CustomerServiceBlockingStub customers() {
    return CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(key.key())).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void healthCheckIsServingWithoutAKey() {
    HealthCheckResponse response =
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void createdCustomerIsReadBackOverTheWire() {
    Customer created = Customers.create(customers(), Customers.valid().setNotes("Créé à Montréal ✓"));

    Customer read = Customers.get(customers(), created.getName());

    assertThat(read).isEqualTo(created);
    assertThat(read.getNotes()).isEqualTo("Créé à Montréal ✓");
    assertThat(read.getHomePhone()).isEqualTo("+15145550123");
  }

  @Test
  void errorDetailsSurviveTheTransport() {
    StatusRuntimeException e = failure(() -> Customers.create(customers(), Customers.valid().setEmail("nope").setFax("123")));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_FIELDS");
    assertThat(violations(e)).containsOnlyKeys("customer.email", "customer.fax");
  }

  @Test
  void callWithoutAKeyIsRefusedOverTheWire() {
    StatusRuntimeException e =
        failure(() -> Customers.create(CustomerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS),
            Customers.valid()));

    assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(reason(e)).isEqualTo("MISSING_CREDENTIALS");
  }

  @Test
  void aRequestOverTheMessageLimitIsResourceExhaustedAndTheConnectionGoesOn() {
    String notes = "x".repeat(ApiServices.MAX_MESSAGE_BYTES + 1);

    StatusRuntimeException e = failure(() -> Customers.create(customers(), Customers.valid().setNotes(notes)));

    assertThat(code(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("exceeds maximum");
    assertThat(Customers.create(customers(), Customers.valid()).getName()).startsWith("customers/");
  }
}
