package retail.customers.server.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Answers a request whose bytes protobuf refuses (text that is not UTF-8, a
 * message cut short, a malformed tag) with INVALID_ARGUMENT naming the field,
 * as any other invalid field is answered.
 *
 * <p>grpc-java parses a request before any interceptor or service sees it,
 * and when protobuf throws it closes the call itself: the client got
 * INTERNAL ("Invalid protobuf byte sequence") or UNKNOWN, with no
 * {@code google.rpc.Status}, and the call log never saw the call. Here each
 * method's request marshaller is wrapped so that a refusal becomes a value
 * ({@link Refused}); the call handler throws it as an {@link ApiException}
 * inside the interceptors, so that {@link ErrorMapper} maps it and the call
 * is observed like any other. The service itself hears that its call was
 * cancelled (an import's thread stops waiting for more of the file) and
 * nothing after.
 *
 * <p>The bytes are walked to find the field ({@link WireFields}) only once
 * protobuf has refused them: a valid request costs a mark on its stream.
 */
public final class MalformedRequests {
  private MalformedRequests() {}

  /** A request protobuf refused, with the failure to answer it with. */
  private record Refused(ApiException failure) {}

  /** The service with every method's request checked as above (methods whose requests are not protobuf messages stay as they are). */
  public static ServerServiceDefinition answeredAsInvalid(ServerServiceDefinition service) {
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getServiceDescriptor().getName())
        .setSchemaDescriptor(service.getServiceDescriptor().getSchemaDescriptor());
    java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> checked = checked(method);
      descriptor.addMethod(checked.getMethodDescriptor());
      methods.add(checked);
    }
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(definition::addMethod);
    return definition.build();
  }

  private static <Q, R> ServerMethodDefinition<?, R> checked(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> original = method.getMethodDescriptor();
    if (!(original.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> prototyped)
        || !(prototyped.getMessagePrototype() instanceof Message prototype)) {
      return method;
    }
    MethodDescriptor<Object, R> descriptor =
        original.toBuilder(new CheckedMarshaller<>(prototyped, prototype.getDescriptorForType()), original.getResponseMarshaller()).build();
    return ServerMethodDefinition.create(descriptor, new CheckedHandler<>(original, method.getServerCallHandler()));
  }

  /** The method's own marshaller, with a refusal turned into a {@link Refused} value. */
  private record CheckedMarshaller<Q>(MethodDescriptor.Marshaller<Q> original, Descriptor type)
      implements MethodDescriptor.Marshaller<Object> {
    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return original.stream((Q) value);
    }

    @Override
    public Object parse(InputStream stream) {
      // Netty's message streams can go back to their start (and the
      // in-process transport's hold a parsed message, which cannot fail).
      boolean markable = stream.markSupported();
      if (markable) {
        stream.mark(Integer.MAX_VALUE);
      }
      try {
        return original.parse(stream);
      } catch (StatusRuntimeException e) {
        if (!(e.getCause() instanceof InvalidProtocolBufferException)) {
          throw e;
        }
        WireFields.Problem problem = markable ? WireFields.locate(type, reread(stream)) : new WireFields.Problem(type.getName(), WireFields.MALFORMED);
        return new Refused(ApiException.invalidField(problem.field(), problem.description()));
      }
    }

    private static byte[] reread(InputStream stream) {
      try {
        stream.reset();
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Hands the service its requests as they were; a refused one fails the call, and the service hears it was cancelled. */
  private record CheckedHandler<Q, R>(MethodDescriptor<Q, R> original, ServerCallHandler<Q, R> handler)
      implements ServerCallHandler<Object, R> {
    @Override
    @SuppressWarnings("unchecked")
    public ServerCall.Listener<Object> startCall(ServerCall<Object, R> call, Metadata headers) {
      // Read by the service's own threads (an import's) as well as the call's.
      AtomicBoolean refused = new AtomicBoolean();
      ServerCall<Q, R> asOriginal = new SimpleForwardingServerCall<>((ServerCall<Q, R>) (ServerCall<?, R>) call) {
        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
          return original;
        }

        /** Cancelled for the service once a request was refused: it must not answer a call that is answered. */
        @Override
        public boolean isCancelled() {
          return refused.get() || super.isCancelled();
        }
      };
      ServerCall.Listener<Object> listener = (ServerCall.Listener<Object>) (ServerCall.Listener<?>) handler.startCall(asOriginal, headers);
      return new SimpleForwardingServerCallListener<>(listener) {

        @Override
        public void onMessage(Object message) {
          if (refused.get()) {
            return;
          }
          if (message instanceof Refused r) {
            refused.set(true);
            super.onCancel();
            throw r.failure();
          }
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!refused.get()) {
            super.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          if (!refused.get()) {
            super.onCancel();
          }
        }

        @Override
        public void onComplete() {
          if (!refused.get()) {
            super.onComplete();
          }
        }

        @Override
        public void onReady() {
          if (!refused.get()) {
            super.onReady();
          }
        }
      };
    }
  }
}
