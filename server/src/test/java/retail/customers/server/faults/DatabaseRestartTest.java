package retail.customers.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import retail.customers.server.testing.Health;
import retail.customers.v1.Customer;

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
    OwnPostgresServer api = new OwnPostgresServer(dir);
    ManagedChannel channel = api.channel();
    RegisterLoad load = null;
    try {
      load = new RegisterLoad(api.newStore("Restart store"), REGISTERS, DEADLINE, Set.of(Status.Code.UNAVAILABLE));
      load.awaitAcknowledged(AROUND);

      long stopping = System.nanoTime();
      api.stopDatabase();
      long stopped = System.nanoTime();
      ServingStatus whileDown = ServingStatus.SERVING;
      while (System.nanoTime() - stopped < DOWN.toNanos()) {
        whileDown = Health.of(channel);
        if (whileDown == ServingStatus.NOT_SERVING) {
          break;
        }
        Thread.sleep(20);
      }
      long notServingAt = System.nanoTime();
      Thread.sleep(Duration.ofNanos(Math.max(0, stopped + DOWN.toNanos() - System.nanoTime())));
      ServingStatus stillDown = Health.of(channel);

      api.startDatabase();
      long started = System.nanoTime();
      int before = load.acknowledgedCount();
      while (Health.of(channel) != ServingStatus.SERVING && System.nanoTime() - started < TimeUnit.MINUTES.toNanos(2)) {
        Thread.sleep(10);
      }
      long healthyAgain = System.nanoTime();
      load.awaitAcknowledged(before + 1);
      long servingAgain = load.firstAcknowledgedAfter(started);
      load.awaitAcknowledged(before + AROUND);
      try {
        load.finish();
      } catch (Exception e) {
        // Where in the outage the attempts that were not UNAVAILABLE began, for the next one to look into.
        load.failures().stream().filter(f -> f.code() != Status.Code.UNAVAILABLE).forEach(f -> System.out.printf(
            "%s after %.0f ms: began %.2f s after the stop began, %.2f s after the start%n",
            f.code(), f.took() / 1e6, (f.at() - f.took() - stopping) / 1e9, (f.at() - f.took() - started) / 1e9));
        throw e;
      }

      List<Long> downLatencies =
          load.failures().stream().filter(f -> f.at() > stopping && f.at() < started).map(RegisterLoad.Failure::took).sorted().toList();
      Map<Status.Code, Long> codes = load.codes();
      List<Customer> acknowledged = load.acknowledged();
      int rows = api.rows(load.prefix());
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
      assertThat(Health.of(channel)).as("health after the start").isEqualTo(ServingStatus.SERVING);
      // Wanted within 2 s, and 0.9 s here (new pools, opened before calls come in again); loosely bounded so that a busy machine passes.
      assertThat(Duration.ofNanos(servingAgain - started)).as("serving again by itself").isLessThan(Duration.ofSeconds(30));
      assertThat(acknowledged).extracting(Customer::getName).doesNotHaveDuplicates();
      assertThat(acknowledged).hasSize((int) load.issued());
      assertThat(rows).as("rows of acknowledged creates").isEqualTo(acknowledged.size());
    } finally {
      if (load != null) {
        load.close();
      }
      api.close();
    }
  }
}
