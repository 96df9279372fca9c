package retail.customers.client;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.WatchCustomersRequest;

/**
 * A change stream followed for as long as it is open: each event goes to
 * the listener once, in order; a stream that drops (UNAVAILABLE, a server
 * shutting down) is opened again from the last event's cursor (or the
 * cursor the server gave with its shutdown), after a backoff, so the
 * listener misses nothing and sees nothing twice. A stream started "from
 * now" that drops before its first event starts "now" again; start from a
 * cursor (an export's {@code watch_cursor}) to be sure of every change.
 * Close it to stop.
 */
public final class ChangeSubscription implements AutoCloseable {
  /** What a subscription hands its events and its end to. */
  public interface Listener {
    /** An event, in the stream's order; called on one thread at a time. */
    void onEvent(CustomerEvent event);

    /** The stream ended with a failure that a reconnect cannot mend (an old cursor, a revoked key). */
    default void onError(CustomersException failure) {}
  }

  private final CustomerServiceGrpc.CustomerServiceStub stub;
  private final WatchCustomersRequest request;
  private final Listener listener;
  private final Retrier retrier;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "customers-watch-reconnect");
        thread.setDaemon(true);
        return thread;
      });
  private volatile String cursor;
  private volatile Context.CancellableContext call;
  private volatile boolean closed;
  private int failuresInARow;

  ChangeSubscription(CustomerServiceGrpc.CustomerServiceStub stub, WatchCustomersRequest request, Listener listener, Retrier retrier) {
    this.stub = stub;
    this.request = request;
    this.listener = listener;
    this.retrier = retrier;
    this.cursor = request.getStartCursor();
  }

  /** The cursor of the last event delivered (or the start's): where a new subscription would go on. */
  public String cursor() {
    return cursor;
  }

  synchronized void open() {
    if (closed) {
      return;
    }
    WatchCustomersRequest.Builder next = request.toBuilder();
    if (!cursor.isEmpty()) {
      next.setStartCursor(cursor).setFromOldest(false);
    }
    Context.CancellableContext context = Context.current().withCancellation();
    call = context;
    context.run(() -> stub.watchCustomers(next.build(), new StreamObserver<>() {
      @Override
      public void onNext(CustomerEvent event) {
        failuresInARow = 0;
        cursor = event.getCursor();
        listener.onEvent(event);
      }

      @Override
      public void onError(Throwable t) {
        if (closed) {
          return;
        }
        CustomersException failure = t instanceof StatusRuntimeException e
            ? CustomersException.of(e) : CustomersException.of(io.grpc.Status.fromThrowable(t).asRuntimeException());
        String resume = failure.metadata().get("resume_cursor");
        if (resume != null && !resume.isEmpty()) {
          cursor = resume;
        }
        Optional<Duration> wait = retrier.reconnectAfter(failure, ++failuresInARow);
        if (wait.isEmpty()) {
          listener.onError(failure);
          return;
        }
        timer.schedule(ChangeSubscription.this::open, wait.get().toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public void onCompleted() {
        // the server never ends a stream by itself but with a status
      }
    }));
  }

  @Override
  public void close() {
    closed = true;
    Context.CancellableContext current = call;
    if (current != null) {
      current.cancel(null);
    }
    timer.shutdownNow();
  }
}
