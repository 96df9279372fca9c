package retail.customers.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.db.EmbeddedDatabase;
import retail.customers.server.db.ServingRole;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;

/**
 * PostgreSQL stopped under load (pg_ctl stop -m fast, as an upgrade or a
 * failover does), kept down a few seconds and started again on the same
 * data and port, while 8 registers create customers with request ids and
 * retry UNAVAILABLE. A PostgreSQL of the test's own, since it is stopped;
 * the server with production's settings (health checked every second,
 * 2 s to wait for a pooled connection) except the rate limit.
 */
class DatabaseRestartTest {
  private static final int SCALE = Integer.getInteger("faults.scale", 1);
  /** Creates acknowledged before the stop, and again after the start; 1,000 in the full run (-Dfaults.scale=10). */
  private static final int AROUND = 100 * SCALE;
  private static final Duration DOWN = SCALE > 1 ? Duration.ofSeconds(10) : Duration.ofSeconds(3);
  private static final int REGISTERS = 8;
  /** A register's deadline for a create. */
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @Test
  void whileDownCallsFailFastWithUnavailableAndAfterTheStartTheServerServesAgainLosingAndDoublingNothing(@TempDir Path dir)
      throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    EmbeddedDatabase postgres = EmbeddedDatabase.start(dir, port, "32MB");
    TestDatabases.migrate(postgres.jdbcUrl("postgres"));
    Database serving = Database.connect(postgres.jdbcUrl("postgres", ServingRole.EMBEDDED), null, null, 10, Duration.ofSeconds(60));
    ApiServices services = new ApiServices(serving, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withRateLimit(0, 0));
    Server server = services.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    RegisterLoad load = null;
    try {
      ApiKeys.MintedKey store = services.apiKeys().createTenant("Restart store", "CA");
      CustomerServiceGrpc.CustomerServiceBlockingStub customers =
          CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()));
      load = new RegisterLoad(customers, REGISTERS, DEADLINE, Set.of(Status.Code.UNAVAILABLE));
      load.awaitAcknowledged(AROUND);

      long stopping = System.nanoTime();
      postgres.close(); // pg_ctl stop -m fast: the backends end, the postmaster exits
      long stopped = System.nanoTime();
      ServingStatus whileDown = ServingStatus.SERVING;
      while (System.nanoTime() - stopped < DOWN.toNanos()) {
        whileDown = health(channel);
        if (whileDown == ServingStatus.NOT_SERVING) {
          break;
        }
        Thread.sleep(20);
      }
      long notServingAt = System.nanoTime();
      Thread.sleep(Duration.ofNanos(Math.max(0, stopped + DOWN.toNanos() - System.nanoTime())));
      ServingStatus stillDown = health(channel);

      postgres = EmbeddedDatabase.start(dir, port, "32MB");
      long started = System.nanoTime();
      int before = load.acknowledgedCount();
      while (health(channel) != ServingStatus.SERVING && System.nanoTime() - started < TimeUnit.MINUTES.toNanos(2)) {
        Thread.sleep(10);
      }
      long healthyAgain = System.nanoTime();
      load.awaitAcknowledged(before + 1);
      long servingAgain = load.firstAcknowledgedAfter(started);
      load.awaitAcknowledged(before + AROUND);
      load.finish();

      List<Long> downLatencies =
          load.failures().stream().filter(f -> f.at() > stopping && f.at() < started).map(RegisterLoad.Failure::took).sorted().toList();
      Map<Status.Code, Long> codes = load.codes();
      List<Customer> acknowledged = load.acknowledged();
      int rows;
      try (Database owner = Database.connect(postgres.jdbcUrl("postgres"), null, null, 1, Duration.ofSeconds(60))) {
        rows = owner.dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.startsWith(load.prefix()));
      }
      System.out.printf("PostgreSQL restarted under load: stopped in %.2f s, down %.1f s; %d creates by %d registers, failed attempts %s;"
              + " while down %d failed, p50 %.0f ms, p99 %.0f ms, max %.0f ms (deadline %d s); health NOT_SERVING %.2f s after the stop;"
              + " health SERVING %.2f s and the first create acknowledged %.2f s after the start; acknowledged %d, rows %d, missing %d, duplicates %d%n",
          (stopped - stopping) / 1e9, (started - stopped) / 1e9, load.issued(), REGISTERS, codes, downLatencies.size(),
          RegisterLoad.percentile(downLatencies, 0.5), RegisterLoad.percentile(downLatencies, 0.99), RegisterLoad.percentile(downLatencies, 1.0), DEADLINE.toSeconds(),
          (notServingAt - stopped) / 1e9, (healthyAgain - started) / 1e9, (servingAgain - started) / 1e9, acknowledged.size(), rows,
          Math.max(0, acknowledged.size() - rows), Math.max(0, rows - acknowledged.size()));

      assertThat(codes.keySet()).as("codes of failed attempts").containsOnly(Status.Code.UNAVAILABLE);
      assertThat(downLatencies).as("calls failed while the database was down").isNotEmpty();
      assertThat(whileDown).as("health while the database is down").isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(stillDown).as("health at the end of the outage").isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(health(channel)).as("health after the start").isEqualTo(ServingStatus.SERVING);
      // Wanted within 2 s, and 0.9 s here (new pools, opened before calls come in again); loosely bounded so that a busy machine passes.
      assertThat(Duration.ofNanos(servingAgain - started)).as("serving again by itself").isLessThan(Duration.ofSeconds(30));
      assertThat(acknowledged).extracting(Customer::getName).doesNotHaveDuplicates();
      assertThat(acknowledged).hasSize((int) load.issued());
      assertThat(rows).as("rows of acknowledged creates").isEqualTo(acknowledged.size());
    } finally {
      if (load != null) {
        load.close();
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      services.close();
      serving.close();
      postgres.close();
    }
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }
}
