package retail.customers.server.ops;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Observes every call, outermost of the interceptors: one line of the call
 * log when it ends (method, status, error reason, duration, tenant, request
 * id), and the per-method count and latency histogram by status code.
 *
 * <p>The log line holds nothing a customer wrote: no request, no response,
 * no status description (a description may quote a bad value). A request id
 * is logged only when it is a UUID, as the API requires; anything else is
 * said to be "invalid".
 */
public final class CallObserver implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger("retail.customers.calls");
  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final String HEALTH = "grpc.health.v1.Health/";

  private final MeterRegistry registry;
  private final LongSupplier nanoTime;
  private final Consumer<UUID> wrote;
  /** The timers by method and code, registered once: a registration per call built and hashed its id and tags each time. */
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
  /** Whether each method may write, decided once: matching its name was 3% of a GetCustomer's server CPU. */
  private final ConcurrentHashMap<String, Boolean> writes = new ConcurrentHashMap<>();

  /**
   * @param nanoTime the clock of durations ({@code System::nanoTime})
   * @param wrote told of the tenant of each write call that succeeded, before its caller is answered
   */
  public CallObserver(MeterRegistry registry, LongSupplier nanoTime, Consumer<UUID> wrote) {
    this.registry = registry;
    this.nanoTime = nanoTime;
    this.wrote = wrote;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long started = nanoTime.getAsLong();
    String method = call.getMethodDescriptor().getFullMethodName();
    CallRecord record = new CallRecord();
    ServerCall<Q, R> observed =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (status.isOk() && record.tenant() != null && writes.computeIfAbsent(method, CallObserver::isWrite)) {
              wrote.accept(record.tenant());
            }
            ended(method, status, trailers, Duration.ofNanos(nanoTime.getAsLong() - started), record);
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener = Contexts.interceptCall(Context.current().withValue(CallRecord.KEY, record), observed, headers, next);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        if (record.requestId() == null && message instanceof Message request) {
          record.requestId(requestId(request));
        }
        super.onMessage(message);
      }
    };
  }

  private void ended(String method, Status status, Metadata trailers, Duration took, CallRecord record) {
    timers.computeIfAbsent(method + " " + status.getCode().name(), key -> Timer.builder("grpc.server.calls")
            .description("gRPC calls handled, by method and status code")
            .tag("method", method)
            .tag("code", status.getCode().name())
            .publishPercentileHistogram()
            .register(registry))
        .record(took);
    log.atLevel(method.startsWith(HEALTH) ? Level.DEBUG : Level.INFO)
        .setMessage("call")
        .addKeyValue("method", method)
        .addKeyValue("status", status.getCode().name())
        .addKeyValue("reason", reason(status, trailers))
        .addKeyValue("duration_ms", took.toNanos() / 1e6)
        .addKeyValue("tenant", record.tenant() == null ? "" : record.tenant().toString())
        .addKeyValue("request_id", record.requestId() == null ? "" : record.requestId())
        .log();
  }

  /**
   * Whether a method of the API may write: all but the reads, which are
   * named so (Get, BatchGet, List, Search, Export, Watch, FindDuplicate).
   */
  static boolean isWrite(String fullMethodName) {
    String method = fullMethodName.substring(fullMethodName.indexOf('/') + 1);
    return fullMethodName.startsWith("retail.customers.") && !READS.matcher(method).lookingAt();
  }

  private static final Pattern READS = Pattern.compile("(Get|BatchGet|List|Search|Export|Watch|FindDuplicate)[A-Z]");

  /** The request's top-level {@code request_id}, if it has one; "invalid" when it is not a UUID. */
  private static String requestId(Message request) {
    FieldDescriptor field = request.getDescriptorForType().findFieldByName("request_id");
    if (field == null || field.getJavaType() != FieldDescriptor.JavaType.STRING) {
      return "";
    }
    String value = (String) request.getField(field);
    return value.isEmpty() ? "" : UUID_TEXT.matcher(value).matches() ? UUID.fromString(value).toString() : "invalid";
  }

  /** The ErrorInfo reason of a failed call (a fixed UPPER_SNAKE_CASE word), or "". */
  private static String reason(Status status, Metadata trailers) {
    if (status.isOk() || trailers == null) {
      return "";
    }
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
    for (Any detail : details.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class).getReason();
        } catch (InvalidProtocolBufferException e) {
          return "";
        }
      }
    }
    return "";
  }
}
