package retail.customers.server.ops;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Checks the database's health at once when a call fails with UNAVAILABLE
 * while the health check still says SERVING, instead of at its next tick, up
 * to an interval later: until the check runs, {@link DatabaseGate} lets
 * calls through, and each waits for a pooled connection that will not come
 * (2 s). One check at a time is pending, however many calls fail.
 */
public final class FailureTriggeredCheck implements ServerInterceptor {
  private final Supplier<ServingStatus> database;
  private final Runnable check;
  private final Executor executor;
  private final AtomicBoolean pending = new AtomicBoolean();

  /**
   * @param database the status the last check found
   * @param check checks the database now
   * @param executor where the check runs: never the thread that ends the call
   */
  public FailureTriggeredCheck(Supplier<ServingStatus> database, Runnable check, Executor executor) {
    this.database = database;
    this.check = check;
    this.executor = executor;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (status.getCode() == Status.Code.UNAVAILABLE && database.get() == ServingStatus.SERVING && !pending.getAndSet(true)) {
          try {
            executor.execute(() -> {
              pending.set(false);
              check.run();
            });
          } catch (RejectedExecutionException stopping) {
            pending.set(false); // the server is stopping: no more checks
          }
        }
        super.close(status, trailers);
      }
    }, headers);
  }
}
