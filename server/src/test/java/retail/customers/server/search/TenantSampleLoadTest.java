package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.OneConnectionPool.await;
import static retail.customers.server.testing.OneConnectionPool.failure;

import io.grpc.Context;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.testing.OneConnectionPool;
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
  /** Far shorter than the settling time: a call that waited for the read itself would wait the pool's ten minutes. */
  private static final long DEADLINE_SECONDS = 1;

  @RegisterExtension static final OneConnectionPool pool = new OneConnectionPool();

  @Test
  void firstSearchesOfATenantShareOneReadAndEachWaitsNoLongerThanItsDeadline() throws Exception {
    DSLContext dsl = pool.database().dsl();
    TenantSample sample = new TenantSample(dsl, new TenantSizes(dsl, Clock.systemUTC()), Clock.systemUTC());
    UUID tenant = UUID.randomUUID();
    ExecutorService calls = Executors.newFixedThreadPool(CALLS);
    ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor();
    try {
      Future<Double> patient;
      List<Future<Double>> hurried = new ArrayList<>();
      try (Connection held = pool.database().dataSource().getConnection()) {
        patient = calls.submit(() -> sample.expected(tenant, false, "word", text -> true));
        await(() -> pool.waiting() == 1);
        for (int i = 1; i < CALLS; i++) {
          Context.CancellableContext call = Context.current().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS, deadlines);
          hurried.add(calls.submit(call.wrap((Callable<Double>) () -> sample.expected(tenant, false, "word", text -> true))));
        }

        for (Future<Double> call : hurried) {
          assertThat(failure(call)).isInstanceOfSatisfying(ApiException.class,
              e -> assertThat(e.reason()).isEqualTo(ErrorReason.CALL_ENDED));
        }
        assertThat(patient).as("the call without a deadline, still waiting for the read").isNotDone();
        assertThat(pool.waiting()).as("reads waiting for the connection").isEqualTo(1);
      }

      assertThat(patient.get(OneConnectionPool.SETTLE_SECONDS, TimeUnit.SECONDS)).as("an empty tenant's expected matches").isZero();
    } finally {
      calls.shutdownNow();
      deadlines.shutdownNow();
    }
  }
}
