package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.ErrorReason;

/**
 * A call waits for a pooled connection no longer than it has left: the
 * pool's own wait (here ten minutes) is only the longest. The pool has one
 * connection, which the test holds.
 */
class PoolWaitTest {
  private static final Duration POOL_WAIT = Duration.ofMinutes(10);
  private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(30);
  private static String name;
  private static Database database;
  private static final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void open() {
    try (Database created = TestDatabases.create()) {
      name = created.dsl().fetchSingle("select current_database()").get(0, String.class);
    }
    database = Database.connect(TestDatabases.urlOf(name), null, null, 1, STATEMENT_TIMEOUT, POOL_WAIT);
  }

  @AfterAll
  static void close() {
    timer.shutdownNow();
    database.close();
    TestDatabases.drop(name);
  }

  @Test
  void aCallWaitsForAConnectionNoLongerThanItsDeadline() throws Exception {
    Context.CancellableContext call = Context.current().withDeadline(Deadline.after(200, TimeUnit.MILLISECONDS), timer);
    Throwable thrown = queryWhileTheConnectionIsHeld(call);
    assertThat(thrown).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.reason()).isEqualTo(ErrorReason.CALL_ENDED);
      assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    });
  }

  @Test
  void aCallThatHasEndedTakesNoConnection() throws Exception {
    Context.CancellableContext call = Context.current().withCancellation();
    call.cancel(null);
    Throwable thrown = queryWhileTheConnectionIsHeld(call);
    assertThat(thrown).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.reason()).isEqualTo(ErrorReason.CALL_ENDED));
  }

  /**
   * A call that waited for a connection in vain does not wait again on its
   * way out (jOOQ's rollback, the look-up of a stored answer each asked the
   * pool again, and three waits of the pool's 2 s passed a 5 s deadline);
   * another call still waits.
   */
  @Test
  void aCallThatWaitedInVainDoesNotWaitAgain() throws Exception {
    try (Database shortWait = Database.connect(TestDatabases.urlOf(name), null, null, 1, STATEMENT_TIMEOUT, Duration.ofMillis(250));
        Connection held = shortWait.dataSource().getConnection()) {
      Context call = PoolWaits.tracked(Context.ROOT);
      Throwable first = call.call(() -> catchThrowable(() -> shortWait.dsl().fetch("select 1")));
      Throwable again = call.call(() -> catchThrowable(() -> shortWait.dsl().fetch("select 1")));
      Throwable another = PoolWaits.tracked(Context.ROOT).call(() -> catchThrowable(() -> shortWait.dsl().fetch("select 1")));

      assertThat(first).rootCause().isInstanceOf(SQLTransientConnectionException.class).hasMessageContaining("timed out");
      assertThat(again).rootCause().isInstanceOf(SQLTransientConnectionException.class).hasMessageContaining("already waited");
      assertThat(another).as("another call's wait").rootCause().isInstanceOf(SQLTransientConnectionException.class)
          .hasMessageContaining("timed out");
    }
  }

  /** What a query of the call throws while the pool's one connection is in use. */
  private static Throwable queryWhileTheConnectionIsHeld(Context call) throws Exception {
    try (Connection held = database.dataSource().getConnection()) {
      CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(
          () -> catchThrowable(() -> call.run(() -> database.dsl().fetch("select 1"))));
      // Without the bound, the pool's wait: ten minutes.
      return failure.get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void aReadWaitsForTheDatabaseNoLongerThanTheStatementTimeoutAndAMargin() throws Exception {
    try (Connection connection = database.dataSource().getConnection()) {
      assertThat(Duration.ofMillis(connection.getNetworkTimeout())).isEqualTo(STATEMENT_TIMEOUT.plus(Database.SOCKET_MARGIN));
    }
  }
}
