package retail.customers.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.OneConnectionPool.await;
import static retail.customers.server.testing.OneConnectionPool.failure;

import io.grpc.Context;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.testing.OneConnectionPool;
import retail.customers.v1.ErrorReason;

/**
 * Calls with the same key whose look-up is due wait for one look-up and
 * share its outcome: when the database cannot give a connection, they fail
 * together instead of each waiting for one in turn (DatabaseRestartTest saw
 * a register's call queue behind two others' waits and pass its deadline).
 * The pool has one connection, which the test holds, and waits for ever for
 * it, so that only the test decides when a look-up ends.
 */
class KeyLookUpTest {
  private static final int CALLS = 4;

  @RegisterExtension static final OneConnectionPool pool = new OneConnectionPool();

  @Test
  void callsWaitingForTheSameKeyShareOneFailedLookUp() throws Exception {
    ApiKeys keys = new ApiKeys(pool.database().dsl(), Clock.systemUTC());
    String key = keys.createTenant("Shared look-up store", "CA").key();
    ExecutorService calls = Executors.newFixedThreadPool(CALLS);
    try {
      List<Future<Optional<Caller>>> resolved = new ArrayList<>();
      Thread[] looking = new Thread[1];
      try (Connection held = pool.database().dataSource().getConnection()) {
        resolved.add(calls.submit(() -> {
          looking[0] = Thread.currentThread();
          return keys.resolve(key);
        }));
        await(() -> pool.waiting() == 1);
        for (int i = 1; i < CALLS; i++) {
          resolved.add(calls.submit(() -> keys.resolve(key)));
        }
        awaitWaiting(CALLS);
        looking[0].interrupt(); // HikariCP gives up the wait: the look-up fails as it would at its timeout

        for (Future<Optional<Caller>> call : resolved) {
          assertThat(failure(call)).isInstanceOf(DataAccessException.class);
        }
        assertThat(pool.waiting()).as("calls still waiting for a connection").isZero();
      }
      assertThat(keys.resolve(key)).as("the key once the database answers again").isPresent();
    } finally {
      calls.shutdownNow();
    }
  }

  @Test
  void whenTheCallLookingTheKeyUpEndsTheOthersLookItUpThemselves() throws Exception {
    ApiKeys keys = new ApiKeys(pool.database().dsl(), Clock.systemUTC());
    String key = keys.createTenant("Abandoned look-up store", "CA").key();
    ExecutorService calls = Executors.newFixedThreadPool(CALLS);
    Context.CancellableContext first = Context.current().withCancellation();
    try {
      List<Future<Optional<Caller>>> others = new ArrayList<>();
      Future<Optional<Caller>> abandoned;
      try (Connection held = pool.database().dataSource().getConnection()) {
        abandoned = calls.submit(first.wrap((Callable<Optional<Caller>>) () -> keys.resolve(key)));
        await(() -> pool.waiting() == 1);
        for (int i = 1; i < CALLS; i++) {
          others.add(calls.submit(() -> keys.resolve(key)));
        }
        awaitWaiting(CALLS);
        first.cancel(null); // its client went away while it waited for the connection
      }

      assertThat(failure(abandoned)).isInstanceOfSatisfying(ApiException.class,
          e -> assertThat(e.reason()).isEqualTo(ErrorReason.CALL_ENDED));
      for (Future<Optional<Caller>> call : others) {
        assertThat(call.get(OneConnectionPool.SETTLE_SECONDS, TimeUnit.SECONDS)).as("a call of the same key").isPresent();
      }
    } finally {
      first.cancel(null);
      calls.shutdownNow();
    }
  }

  /** Waits until {@code count} threads resolving a key are parked (on the pool, or on the look-up they share). */
  private static void awaitWaiting(int count) throws InterruptedException {
    await(() -> Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("pool-") && isResolving(t))
        .filter(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
        .count() == count);
  }

  private static boolean isResolving(Thread thread) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals(ApiKeys.class.getName()) && frame.getMethodName().equals("resolve")) {
        return true;
      }
    }
    return false;
  }
}
