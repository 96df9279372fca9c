package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.testing.ApiServer;

/**
 * A statement or a commit of a call that has ended never runs: a cancel
 * sent before a statement starts does nothing in the driver, so an ended
 * call that went on to write would commit after its client had given up.
 */
class CallCancellationTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private int insert(UUID id) {
    return api.database().dsl()
        .insertInto(CUSTOMER, CUSTOMER.TENANT_ID, CUSTOMER.ID, CUSTOMER.SOURCE, CUSTOMER.FIRST_NAME)
        .values(api.tenantA().tenantId(), id, "API", "Late")
        .execute();
  }

  private int rows(UUID id) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.ID.eq(id));
  }

  @Test
  void aCancelledCallsStatementDoesNotRunAndWritesNothing() throws Exception {
    UUID id = UUID.randomUUID();
    Context.CancellableContext call = Context.current().withCancellation();
    call.cancel(null);

    Throwable failure = call.call(() -> catchThrowable(() -> insert(id)));

    assertThat(failure).isInstanceOf(ApiException.class);
    assertThat(((ApiException) failure).code()).isEqualTo(Status.Code.CANCELLED);
    assertThat(rows(id)).isZero();
  }

  @Test
  void aCallPastItsDeadlineDoesNotRunItsNextStatement() throws Exception {
    UUID id = UUID.randomUUID();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      Context.CancellableContext call = Context.current().withDeadline(Deadline.after(0, TimeUnit.NANOSECONDS), timer);

      Throwable failure = call.call(() -> catchThrowable(() -> insert(id)));

      assertThat(failure).isInstanceOf(ApiException.class);
      assertThat(((ApiException) failure).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(rows(id)).isZero();
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void aCallThatEndsAfterItsLastStatementDoesNotCommit() throws Exception {
    UUID id = UUID.randomUUID();
    Context.CancellableContext call = Context.current().withCancellation();

    Throwable failure = call.call(() -> catchThrowable(() -> api.database().dsl().transaction(tx -> {
      tx.dsl().insertInto(CUSTOMER, CUSTOMER.TENANT_ID, CUSTOMER.ID, CUSTOMER.SOURCE, CUSTOMER.FIRST_NAME)
          .values(api.tenantA().tenantId(), id, "API", "Late").execute();
      call.cancel(null); // as a deadline passing while the insert's answer was on its way
    })));

    assertThat(failure).isInstanceOf(ApiException.class);
    assertThat(((ApiException) failure).code()).isEqualTo(Status.Code.CANCELLED);
    assertThat(rows(id)).isZero();
  }

  @Test
  void aLiveCallsStatementRuns() throws Exception {
    UUID id = UUID.randomUUID();
    Context.CancellableContext call = Context.current().withCancellation();

    assertThat(call.call(() -> insert(id))).isEqualTo(1);
    assertThat(rows(id)).isEqualTo(1);
    call.cancel(null);
  }
}
