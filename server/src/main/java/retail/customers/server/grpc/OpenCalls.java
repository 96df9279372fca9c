package retail.customers.server.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streaming calls open on a service that does not end them by itself, so
 * that a shutdown can end them: health's Watch answers as long as the
 * client listens, and one load balancer watching held every shutdown to
 * the end of its grace, then saw CANCELLED. {@link #closeAll} ends each with
 * the status given; what the service sends after that is dropped.
 *
 * <p>gRPC lets one thread at a time use a call, and the service goes on
 * using its own: every use goes through the wrapper's lock.
 */
public final class OpenCalls implements ServerInterceptor {
  private final Set<Closable<?, ?>> open = ConcurrentHashMap.newKeySet();

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (call.getMethodDescriptor().getType().serverSendsOneMessage()) {
      return next.startCall(call, headers); // it ends by itself (a health Check, polled often)
    }
    Closable<Q, A> closable = new Closable<>(call);
    open.add(closable);
    return new SimpleForwardingServerCallListener<>(next.startCall(closable, headers)) {
      @Override
      public void onComplete() {
        open.remove(closable);
        super.onComplete();
      }

      @Override
      public void onCancel() {
        open.remove(closable);
        super.onCancel();
      }
    };
  }

  /** Ends every call still open with {@code status}. */
  public void closeAll(Status status) {
    for (Closable<?, ?> call : open) {
      call.close(status, new Metadata());
      open.remove(call);
    }
  }

  /** How many calls are open. */
  public int size() {
    return open.size();
  }

  private static final class Closable<Q, A> extends SimpleForwardingServerCall<Q, A> {
    private boolean closed;

    Closable(ServerCall<Q, A> call) {
      super(call);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(A message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void request(int numMessages) {
      if (!closed) {
        super.request(numMessages);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }
  }
}
