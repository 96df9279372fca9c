package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Health;
import retail.customers.server.testing.TcpProxy;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.CustomerServiceGrpc;

/**
 * A call that finds the database unreachable has its health checked at
 * once: the timer's checks run here every hour, so only the failed call can
 * have started the check that turns health NOT_SERVING.
 */
class FailureTriggeredCheckTest {
  /** Short, so that a call waiting for a connection fails as UNAVAILABLE well inside its deadline. */
  private static final Duration POOL_WAIT = Duration.ofSeconds(1);
  private static final long SETTLE_SECONDS = 30;

  @Test
  void aCallThatFindsTheDatabaseUnreachableTurnsHealthNotServingWithoutWaitingForTheTimer() throws Exception {
    Database direct = TestDatabases.create();
    String name = direct.dsl().fetchSingle("select current_database()").get(0, String.class);
    String url = TestDatabases.urlOf(name);
    URI uri = URI.create(url.substring("jdbc:".length()));
    TcpProxy proxy = new TcpProxy(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    Database throughProxy = Database.connect(proxy.through(url), null, null, 2, Duration.ofSeconds(30), POOL_WAIT);
    ApiServices services = new ApiServices(throughProxy, Clock.systemUTC(),
        new ApiServices.Settings(CountBudget.unbounded(), Duration.ofDays(7), Duration.ofHours(1), 0, 0));
    String server = InProcessServerBuilder.generateName();
    Server started = services.configure(InProcessServerBuilder.forName(server)).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(server).directExecutor().build();
    try {
      ApiKeys.MintedKey store = services.apiKeys().createTenant("Failing store", "CA");
      CustomerServiceGrpc.CustomerServiceBlockingStub customers =
          CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()))
              .withDeadlineAfter(SETTLE_SECONDS, TimeUnit.SECONDS);
      Customers.create(customers, Customers.minimal());
      assertThat(Health.of(channel)).isEqualTo(ServingStatus.SERVING);

      proxy.cut();
      StatusRuntimeException failed =
          catchThrowableOfType(StatusRuntimeException.class, () -> Customers.create(customers, Customers.minimal()));

      assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
      while (Health.of(channel) == ServingStatus.SERVING && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(Health.of(channel)).as("health after a call found the database unreachable").isEqualTo(ServingStatus.NOT_SERVING);

      proxy.restore();
      services.checkDatabase();
      assertThat(Health.of(channel)).isEqualTo(ServingStatus.SERVING);
      assertThat(Customers.create(customers, Customers.minimal()).getName()).startsWith("customers/");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      started.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      services.close();
      throughProxy.close();
      proxy.close();
      direct.close();
      TestDatabases.drop(name);
    }
  }
}
