package retail.customers.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets a streaming method send its response headers before its first
 * message ({@link #sendNow()}): grpc-java's stubs send them with the first
 * message, and a client of a stream that may stay quiet for hours could not
 * tell whether the server had started it. Later attempts to send headers
 * (the stub's own, at the first message) are dropped.
 */
public final class EarlyHeaders implements ServerInterceptor {
  private static final Context.Key<Runnable> SEND = Context.key("retail.customers.early-headers");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.SERVER_STREAMING) {
      return next.startCall(call, headers); // a unary call's headers go with its answer: no wrapper on its path
    }
    AtomicBoolean sent = new AtomicBoolean();
    ServerCall<Q, R> once =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            if (sent.compareAndSet(false, true)) {
              super.sendHeaders(responseHeaders);
            }
          }
        };
    Context context = Context.current().withValue(SEND, () -> once.sendHeaders(new Metadata()));
    return Contexts.interceptCall(context, once, headers, next);
  }

  /** Sends the current call's response headers now (no-op outside a call that went through this interceptor). */
  public static void sendNow() {
    Runnable send = SEND.get();
    if (send != null) {
      send.run();
    }
  }
}
