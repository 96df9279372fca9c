package retail.customers.server.grpc;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a call with the status that {@link ErrorMapper} gives for whatever a
 * service threw. Services of unary methods just throw; streaming code reports
 * failures through {@code onError(ErrorMapper.toStatusException(e))}.
 */
public final class ErrorHandlingInterceptor implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AtomicBoolean closed = new AtomicBoolean();
    ServerCall<Q, R> guarded =
        new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (closed.compareAndSet(false, true)) {
              super.close(status, trailers);
            }
          }
        };
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(guarded, headers);
    } catch (RuntimeException e) {
      fail(guarded, e);
      return new ServerCall.Listener<>() {};
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          fail(guarded, e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          fail(guarded, e);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (RuntimeException e) {
          fail(guarded, e);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } catch (RuntimeException e) {
          // The client is gone: nobody to tell.
        }
      }
    };
  }

  private static void fail(ServerCall<?, ?> call, RuntimeException e) {
    StatusRuntimeException status = ErrorMapper.toStatusException(e);
    Metadata trailers = status.getTrailers() == null ? new Metadata() : status.getTrailers();
    call.close(status.getStatus(), trailers);
  }
}
