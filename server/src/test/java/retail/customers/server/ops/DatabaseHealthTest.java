package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.time.Duration;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Errors;
import retail.customers.server.testing.Health;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.server.ApiServices;
import retail.customers.server.db.Database;
import retail.customers.server.testing.TcpProxy;
import retail.customers.server.testing.TestDatabases;

/**
 * Health follows the database: NOT_SERVING while it cannot be reached,
 * SERVING again by itself once it can. The database is "down" behind a TCP
 * proxy that drops and refuses connections; the checks are run by the test
 * (the server's timer runs them every second; here every hour, so that only
 * the test's own checks count).
 */
class DatabaseHealthTest {
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
    throughProxy = Database.connect(proxy.through(url), null, null, 2, Duration.ofSeconds(30), TestDatabases.POOL_WAIT);
    services = new ApiServices(throughProxy, Clock.systemUTC(),
        new ApiServices.Settings(retail.customers.server.search.CountBudget.unbounded(), Duration.ofDays(7), Duration.ofHours(1), 0, 0));
    String name = InProcessServerBuilder.generateName();
    server = services.configure(InProcessServerBuilder.forName(name)).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    throughProxy.close();
    proxy.close();
    direct.close();
    TestDatabases.drop(databaseName);
  }

  private static ServingStatus health(String service) {
    return Health.of(channel, service);
  }

  @Test
  void healthIsNotServingWhileTheDatabaseIsUnreachableAndServingAgainWhenItIsBack() {
    services.checkDatabase();
    assertThat(health("")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("retail.customers.v1.CustomerService")).isEqualTo(ServingStatus.SERVING);

    proxy.cut();
    services.checkDatabase();
    assertThat(health("")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health("retail.customers.v1.CustomerService")).isEqualTo(ServingStatus.NOT_SERVING);
    services.checkDatabase();
    assertThat(health("")).isEqualTo(ServingStatus.NOT_SERVING);

    proxy.restore();
    services.checkDatabase();
    assertThat(health("")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("retail.customers.v1.CustomerService")).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void whileTheDatabaseIsUnreachableCallsFailAtOnceWithUnavailableAndServeAgainAfter() {
    ApiKeys.MintedKey store = services.apiKeys().createTenant("Gate store", "CA");
    CustomerServiceGrpc.CustomerServiceBlockingStub customers =
        CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()));
    proxy.cut();
    services.checkDatabase();
    try {
      StatusRuntimeException down = catchThrowableOfType(StatusRuntimeException.class,
          () -> Customers.create(customers.withDeadlineAfter(5, TimeUnit.SECONDS), Customers.minimal()));
      StatusRuntimeException unknownKey = catchThrowableOfType(StatusRuntimeException.class,
          () -> Customers.create(CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer("ck_unknown")),
              Customers.minimal()));

      assertThat(down.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Errors.reason(down)).isEqualTo("DATABASE_UNAVAILABLE");
      // Refused before any database work, even the key's look-up: no wait for a connection.
      assertThat(unknownKey.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      proxy.restore();
      services.checkDatabase();
    }
    assertThat(Customers.create(customers, Customers.minimal()).getName()).startsWith("customers/");
  }

  /**
   * The gate lets calls in again only after the report that the database is
   * back, which renews the connection pools: calls let in before it waited
   * in the old pools, whose connection adder was backing off, up to the
   * pool's timeout. It closes before the report that it is gone.
   */
  @Test
  void theStatusSaysServingOnlyOnceTheReportThatTheDatabaseIsBackIsDone() {
    AtomicBoolean up = new AtomicBoolean(false);
    List<String> reports = new ArrayList<>();
    DatabaseHealth[] health = new DatabaseHealth[1];
    health[0] = new DatabaseHealth(() -> {
      if (!up.get()) {
        throw new IllegalStateException("the database is down");
      }
      return direct.dedicatedConnection(Duration.ofSeconds(2));
    }, Duration.ofSeconds(2), status -> reports.add(status + " reported while the status was " + health[0].status()));
    try {
      health[0].check();
      up.set(true);
      health[0].check();

      assertThat(reports).containsExactly(
          "NOT_SERVING reported while the status was NOT_SERVING", "SERVING reported while the status was NOT_SERVING");
      assertThat(health[0].status()).isEqualTo(ServingStatus.SERVING);
    } finally {
      health[0].close();
    }
  }

  /**
   * A check whose session was ended (pg_terminate_backend, as FaultsTest's
   * kills do, or a proxy's cut of idle connections) while the database
   * answers reports no outage: once calls' failures trigger checks, that
   * false NOT_SERVING closed the gate for a second after each kill.
   */
  @Test
  void aCheckWhoseSessionWasEndedLooksAgainOnANewOneBeforeReportingAnOutage() throws Exception {
    List<Integer> sessions = new ArrayList<>();
    List<ServingStatus> reports = new ArrayList<>();
    DatabaseHealth health = new DatabaseHealth(() -> {
      Connection connection = direct.dedicatedConnection(Duration.ofSeconds(2));
      try (var pid = connection.createStatement().executeQuery("select pg_backend_pid()")) {
        pid.next();
        sessions.add(pid.getInt(1));
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      return connection;
    }, Duration.ofSeconds(2), reports::add);
    try {
      health.check();
      assertThat(direct.dsl().fetchSingle("select pg_terminate_backend(?)", sessions.get(0)).get(0, Boolean.class)).isTrue();
      awaitGone(sessions.get(0));

      health.check();

      assertThat(reports).as("status changes reported").isEmpty();
      assertThat(health.status()).isEqualTo(ServingStatus.SERVING);
      assertThat(sessions).as("sessions the checks opened").hasSize(2);
    } finally {
      health.close();
    }
  }

  private static void awaitGone(int pid) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (direct.dsl().fetchSingle("select count(*) from pg_stat_activity where pid = ?", pid).get(0, Integer.class) > 0) {
      assertThat(System.nanoTime()).as("session " + pid + " ended").isLessThan(until);
      Thread.sleep(10);
    }
  }
}
