package retail.customers.server.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waiting, within a call, for work that another thread does for several
 * calls at once (a key's look-up, a tenant's sample): a call waits no
 * longer than its own deadline, whatever the shared work's own limits.
 */
public final class CallDeadlines {
  private CallDeadlines() {}

  /**
   * The outcome of {@code work}, waited for until the current call's
   * deadline (without one, until it is done): its value, or its failure
   * thrown as it was; a call whose deadline passes while it waits, or whose
   * thread is interrupted, ends with {@link ErrorMapper#callEnded}.
   */
  public static <T> T awaited(CompletableFuture<T> work) {
    Deadline deadline = Context.current().getDeadline();
    try {
      return deadline == null ? work.get() : work.get(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw ErrorMapper.callEnded(Context.current());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ErrorMapper.callEnded(Context.current());
    }
  }
}
