package retail.customers.server.changes;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.TestDatabases;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.WatchCustomersRequest;

/**
 * Two servers on one database, as replicas behind a load balancer run: a
 * change made through one reaches a stream open on the other (each has its
 * own pools and its own LISTEN connection; they share nothing but the
 * database), and a stream cut off on one resumes on the other without a
 * loss or a repeat. They run in one JVM here; nothing of one is visible to
 * the other but through PostgreSQL.
 */
class TwoServersTest {
  @RegisterExtension static final ApiServer first = new ApiServer();
  private static Database secondDatabase;
  private static ApiServices secondServices;
  private static Server second;
  private static ManagedChannel secondChannel;

  @BeforeAll
  static void startSecond() throws Exception {
    String database = first.database().dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    secondDatabase = Database.connect(TestDatabases.urlOf(database), null, null, 4, java.time.Duration.ofSeconds(30));
    secondServices = new ApiServices(secondDatabase, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()));
    String name = InProcessServerBuilder.generateName();
    second = secondServices.configure(InProcessServerBuilder.forName(name)).build().start();
    secondChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterAll
  static void stopSecond() throws Exception {
    secondChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    second.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    secondServices.close();
    secondDatabase.close();
  }

  private static Customer createOnFirst(ApiKeys.MintedKey store, String name) {
    return Customers.create(first.customers(store.key()), Customers.minimal().setFirstName(name));
  }

  @Test
  void aChangeThroughOneServerReachesAStreamOnTheOtherInOrder() {
    ApiKeys.MintedKey store = first.tenantA();
    try (Watcher onSecond = Watcher.open(secondChannel, store.key(), WatchCustomersRequest.getDefaultInstance())) {
      List<String> made = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        made.add(createOnFirst(store, "Twin" + i).getName());
      }

      assertThat(onSecond.take(10)).extracting(e -> e.getCustomer().getName()).containsExactlyElementsOf(made);
    }
  }

  @Test
  void aStreamKilledMidFlightResumesOnTheOtherServerWithNothingLostOrRepeated() throws Exception {
    ApiKeys.MintedKey store = first.tenantB();
    List<String> made = new ArrayList<>();
    List<CustomerEvent> seen = new ArrayList<>();
    Thread writer = Thread.ofPlatform().start(() -> {
      for (int i = 0; i < 60; i++) {
        made.add(createOnFirst(store, "Resume" + i).getName());
      }
    });
    try (Watcher onFirst = Watcher.open(first.channel(), store.key(), WatchCustomersRequest.newBuilder().setFromOldest(true).build())) {
      seen.addAll(onFirst.take(20));
    } // cut off while the writer goes on
    String cursor = seen.getLast().getCursor();
    try (Watcher onSecond = Watcher.open(secondChannel, store.key(), WatchCustomersRequest.newBuilder().setStartCursor(cursor).build())) {
      seen.addAll(onSecond.take(40));
      writer.join();
      assertThat(onSecond.during(java.time.Duration.ofMillis(200))).isEmpty();
    }

    assertThat(seen).extracting(e -> e.getCustomer().getName()).containsExactlyElementsOf(made);
  }
}
