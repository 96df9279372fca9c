package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TcpProxy;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.GetCustomerRequest;

/**
 * PostgreSQL frozen (a storage stall, a stopped process: connections open,
 * no answer) while calls that need it run out of their deadlines. Each
 * deadline cancels its statement, and a statement cancel opens a
 * connection to the frozen database: run on a transport thread, it would
 * hold the event loop until the thaw, and even the health check, which
 * needs no database, would go unanswered. Over Netty, as registers connect.
 */
class FrozenDatabaseTest {
  private static Database direct;
  private static String databaseName;
  private static TcpProxy proxy;
  private static Database throughProxy;
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    direct = TestDatabases.create();
    databaseName = direct.dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    String url = TestDatabases.urlOf(databaseName);
    java.net.URI uri = java.net.URI.create(url.substring("jdbc:".length()));
    proxy = new TcpProxy(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    throughProxy = Database.connect(proxy.through(url), null, null, 4, Duration.ofSeconds(30), TestDatabases.POOL_WAIT);
    services = new ApiServices(throughProxy, Clock.systemUTC(),
        new ApiServices.Settings(retail.customers.server.search.CountBudget.unbounded(), Duration.ofDays(7), Duration.ofHours(1), 0, 0));
    server = services.configure(NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    proxy.thaw();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    throughProxy.close();
    proxy.close();
    direct.close();
    TestDatabases.drop(databaseName);
  }

  @Test
  void callsThatNeedTheFrozenDatabaseEndAtTheirDeadlinesAndHealthIsAnsweredThroughout() throws Exception {
    ApiKeys.MintedKey store = services.apiKeys().createTenant("Frozen store", "CA");
    CustomerServiceGrpc.CustomerServiceFutureStub customers =
        CustomerServiceGrpc.newFutureStub(channel).withCallCredentials(ApiServer.bearer(store.key()));
    Customer customer = Customers.create(CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()))
        .withDeadlineAfter(30, TimeUnit.SECONDS), Customers.valid());
    GetCustomerRequest get = GetCustomerRequest.newBuilder().setName(customer.getName()).build();

    // Every pooled connection just used, so that the pool hands them out
    // without checking them first (which would hang before any statement
    // starts): the frozen calls' statements are running when their
    // deadlines pass, and are cancelled.
    List<com.google.common.util.concurrent.ListenableFuture<Customer>> warm = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      warm.add(customers.withDeadlineAfter(30, TimeUnit.SECONDS).getCustomer(get));
    }
    for (var call : warm) {
      call.get(30, TimeUnit.SECONDS);
    }
    proxy.freeze();
    List<CompletableFuture<Status.Code>> frozenCalls = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      var call = customers.withDeadlineAfter(300, TimeUnit.MILLISECONDS).getCustomer(get);
      CompletableFuture<Status.Code> outcome = new CompletableFuture<>();
      call.addListener(() -> {
        try {
          call.get();
          outcome.complete(Status.Code.OK);
        } catch (Exception e) {
          outcome.complete(Status.fromThrowable(e).getCode());
        }
      }, Runnable::run);
      frozenCalls.add(outcome);
    }
    for (CompletableFuture<Status.Code> outcome : frozenCalls) {
      assertThat(outcome.get(30, TimeUnit.SECONDS)).isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNAVAILABLE);
    }
    Thread.sleep(200); // the server's own deadlines have passed too: its cancels are under way

    List<Status.Code> health = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      try {
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
        health.add(Status.Code.OK);
      } catch (StatusRuntimeException e) {
        health.add(e.getStatus().getCode());
      }
    }
    proxy.thaw();

    assertThat(health).as("health answered while the database was frozen").containsOnly(Status.Code.OK);
    assertThat(CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()))
        .withDeadlineAfter(60, TimeUnit.SECONDS).getCustomer(get)).isEqualTo(customer);
  }
}
