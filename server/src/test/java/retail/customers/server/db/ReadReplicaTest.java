package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestClock;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.SearchCustomersRequest;

/**
 * Back-office reads on a real streaming replica (made by scripts/replica,
 * which .ci/run starts; its JDBC URL in CUSTOMERS_TEST_REPLICA_URL): a
 * register that has just written reads the primary and finds its customer at
 * once; once the replica has caught up and the margin has passed (the test
 * moves the routing's clock), searches and exports read the replica, and the
 * export's audit record is still written on the primary.
 */
@EnabledIfEnvironmentVariable(named = ReadReplicaTest.REPLICA_URL, matches = ".+")
class ReadReplicaTest {
  static final String REPLICA_URL = "CUSTOMERS_TEST_REPLICA_URL";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private static Database primary;
  private static String databaseName;
  private static Database replica;
  private static final TestClock clock = new TestClock();
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;
  private static ApiKeys.MintedKey store;

  @BeforeAll
  static void start() throws Exception {
    primary = TestDatabases.create();
    databaseName = primary.dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    String replicaUrl = TestDatabases.replaceDatabase(System.getenv(REPLICA_URL), databaseName);
    awaitDatabaseOnReplica(replicaUrl);
    replica = Database.connect(replicaUrl, null, null, 4, Duration.ofSeconds(30), TestDatabases.POOL_WAIT);
    services = new ApiServices(primary, replica, clock,
        new ApiServices.Settings(CountBudget.unbounded(), Duration.ofDays(7), Duration.ofHours(1), 0, 0));
    String name = InProcessServerBuilder.generateName();
    server = services.configure(InProcessServerBuilder.forName(name)).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    store = services.apiKeys().createTenant("Replica store", "CA");
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    replica.close();
    primary.close();
    TestDatabases.drop(databaseName);
  }

  /** CREATE DATABASE reaches the replica by replay: wait until it can be opened there. */
  private static void awaitDatabaseOnReplica(String url) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try (Connection c = DriverManager.getConnection(url)) {
        return;
      } catch (java.sql.SQLException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the test database never reached the replica", e);
        }
        Thread.sleep(50);
      }
    }
  }

  private static CustomerServiceBlockingStub customers() {
    return CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()));
  }

  private static long found(String query) {
    return customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery(query).build()).getCustomersCount();
  }

  /** Until the replica has replayed everything the primary has (and the routing has measured it). */
  private static Duration awaitCaughtUp(String lastName) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      services.routing().checkLag();
      boolean there = replica.dsl().fetchExists(
          replica.dsl().selectOne().from(retail.customers.db.Tables.CUSTOMER).where(retail.customers.db.Tables.CUSTOMER.LAST_NAME.eq(lastName)));
      if (there && services.routing().lag().isPresent()) {
        return services.routing().lag().get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the replica did not catch up");
  }

  @Test
  void aRegistersLookupRightAfterItsWriteReadsThePrimaryAndBackOfficeReadsGoToTheReplicaOnceCaughtUp() throws Exception {
    services.routing().checkLag();
    long onPrimary = services.routing().readsOnPrimary();
    long onReplica = services.routing().readsOnReplica();
    Customers.create(customers(), Customers.minimal().setFirstName("Rita").setLastName("Replicaford"));

    assertThat(found("replicaford")).as("found at once, on the primary").isEqualTo(1);
    assertThat(services.routing().readsOnPrimary()).isEqualTo(onPrimary + 1);

    Duration lag = awaitCaughtUp("Replicaford");
    System.out.printf("read replica lag once caught up: %s (routing margin %s)%n", lag, ReadRouting.MARGIN);
    clock.advance(lag.plus(ReadRouting.MARGIN).plusSeconds(1));

    assertThat(found("replicaford")).as("found on the replica").isEqualTo(1);
    assertThat(services.routing().readsOnReplica()).isEqualTo(onReplica + 1);
    int audited = primary.dsl().fetchCount(retail.customers.db.Tables.AUDIT_EVENT);
    long rows = 0;
    for (var it = customers().exportCustomers(ExportCustomersRequest.getDefaultInstance()); it.hasNext(); ) {
      rows += it.next().getRowCount();
    }
    assertThat(rows).isEqualTo(1);
    assertThat(services.routing().readsOnReplica()).isEqualTo(onReplica + 2);
    assertThat(primary.dsl().fetchCount(retail.customers.db.Tables.AUDIT_EVENT)).as("the export is audited on the primary").isEqualTo(audited + 1);

    Customer again = Customers.create(customers(), Customers.minimal().setFirstName("Rita").setLastName("Replicaford"));
    assertThat(found("replicaford")).as("a new write sends the tenant back to the primary").isEqualTo(2);
    assertThat(again.getName()).isNotEmpty();
  }
}
