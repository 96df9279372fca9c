package retail.customers.server.db;

import io.grpc.Context;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.TransactionContext;
import org.jooq.TransactionListener;
import retail.customers.server.grpc.ErrorMapper;

/**
 * Ties every SQL statement and commit to the gRPC call that runs it: a
 * statement or a commit of a call that has ended (cancelled, or past its
 * deadline) never starts, and the transaction rolls back; when
 * the call ends while a statement runs, the statement is cancelled at once
 * (PostgreSQL stops the query and frees the connection); and a statement
 * never starts with more time than its call has left.
 *
 * <p>A statement cancel sent before the statement starts does nothing, so
 * an ended call is refused here, before it writes: a batch whose deadline
 * had passed went on with its items for minutes, holding their locks. The
 * cancel itself opens a connection to the database, so it runs on a thread
 * of its own: on the thread that ends the call (a transport's event loop,
 * a deadline's timer) it blocked health checks while the database stalled.
 *
 * <p>A commit is no statement to jOOQ's listeners, and a deadline that
 * passes while the last statement's answer travels back would let the
 * commit go on: a client that was told DEADLINE_EXCEEDED, and may have
 * moved on, found its write stored after all (LateCommitsTest: 25 of 200
 * raced creates). A commit already started when the call ends still
 * completes: only its answer is lost, as on any network, and a retry with
 * the request id gets it.
 */
final class CallCancellation implements ExecuteListener, TransactionListener {
  private static final long serialVersionUID = 1L;
  private static final String LISTENER = CallCancellation.class.getName() + ".listener";

  @Override
  public void executeStart(ExecuteContext ctx) {
    if (ctx.statement() != null) {
      ctx.data(LISTENER, guard(ctx.statement()));
    }
  }

  @Override
  public void end(ExecuteContext ctx) {
    if (ctx.data(LISTENER) instanceof Guard guard) {
      guard.close();
    }
  }

  @Override
  public void commitStart(TransactionContext ctx) {
    Context call = Context.current();
    if (call != Context.ROOT && call.isCancelled()) {
      throw ErrorMapper.callEnded(call); // jOOQ rolls the transaction back
    }
  }

  /** Ties a statement about to run to the current call, until the guard is closed. */
  static Guard guard(Statement statement) {
    Context call = Context.current();
    if (call == Context.ROOT) {
      return Guard.NONE;
    }
    if (call.isCancelled()) {
      throw ErrorMapper.callEnded(call);
    }
    if (call.getDeadline() != null) {
      long seconds = call.getDeadline().timeRemaining(TimeUnit.SECONDS);
      try {
        // JDBC timeouts are in whole seconds: the listener below is the precise stop.
        statement.setQueryTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds + 1)));
      } catch (SQLException e) {
        // The cancellation listener still applies.
      }
    }
    Context.CancellationListener listener = cancelled -> cancel(statement);
    call.addListener(listener, command -> Thread.ofVirtual().name("statement-cancel").start(command));
    return () -> call.removeListener(listener);
  }

  /** Ends a statement's tie to its call. */
  @FunctionalInterface
  interface Guard extends AutoCloseable {
    Guard NONE = () -> {};

    @Override
    void close();
  }

  private static void cancel(Statement statement) {
    try {
      statement.cancel();
    } catch (SQLException e) {
      // Already finished or connection gone: nothing left to stop.
    }
  }
}
