package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.grpc.Context;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.db.Database;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.ErrorReason;

/**
 * The first searches of a tenant wait for one read of its sample and its
 * size, done outside any of them, each no longer than its own deadline.
 * Read by the first of them, the others waited for that call's read
 * however long it took, past their own deadlines, then each read again in
 * turn if it failed. The pool has one connection, which the test holds,
 * and waits for ever for it, so that only the test decides when the read
 * can go on.
 */
class TenantSampleLoadTest {
  private static final int CALLS = 4;
  private static final long DEADLINE_SECONDS = 1;
  /** Generous: the calls with a deadline end after it; had they waited for the read, it would be the pool's (minutes). */
  private static final long SETTLE_SECONDS = 30;

  private static String name;
  private static Database database;
  private static HikariPoolMXBean pool;

  @BeforeAll
  static void open() throws Exception {
    try (Database created = TestDatabases.create()) {
      name = created.dsl().fetchSingle("select current_database()").get(0, String.class);
    }
    database = Database.connect(TestDatabases.urlOf(name), null, null, 1, Duration.ofSeconds(30), Duration.ofMinutes(10));
    pool = database.dataSource().unwrap(HikariDataSource.class).getHikariPoolMXBean();
  }

  @AfterAll
  static void close() {
    database.close();
    TestDatabases.drop(name);
  }

  @Test
  void firstSearchesOfATenantShareOneReadAndEachWaitsNoLongerThanItsDeadline() throws Exception {
    TenantSample sample = new TenantSample(database.dsl(), new TenantSizes(database.dsl(), Clock.systemUTC()), Clock.systemUTC());
    UUID tenant = UUID.randomUUID();
    ExecutorService calls = Executors.newFixedThreadPool(CALLS);
    ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor();
    try {
      Future<Double> patient;
      List<Future<Double>> hurried = new ArrayList<>();
      try (Connection held = database.dataSource().getConnection()) {
        patient = calls.submit(() -> sample.expected(tenant, false, "word", text -> true));
        await(() -> pool.getThreadsAwaitingConnection() == 1);
        for (int i = 1; i < CALLS; i++) {
          Context.CancellableContext call = Context.current().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS, deadlines);
          hurried.add(calls.submit(call.wrap((Callable<Double>) () -> sample.expected(tenant, false, "word", text -> true))));
        }

        for (Future<Double> call : hurried) {
          assertThat(failure(call)).isInstanceOfSatisfying(ApiException.class,
              e -> assertThat(e.reason()).isEqualTo(ErrorReason.CALL_ENDED));
        }
        assertThat(patient).as("the call without a deadline, still waiting for the read").isNotDone();
        assertThat(pool.getThreadsAwaitingConnection()).as("reads waiting for the connection").isEqualTo(1);
      }

      assertThat(patient.get(SETTLE_SECONDS, TimeUnit.SECONDS)).as("an empty tenant's expected matches").isZero();
    } finally {
      calls.shutdownNow();
      deadlines.shutdownNow();
    }
  }

  private static Throwable failure(Future<?> call) throws Exception {
    try {
      call.get(SETTLE_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("the call succeeded");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("not reached in " + SETTLE_SECONDS + " s");
      }
      Thread.sleep(10);
    }
  }
}
