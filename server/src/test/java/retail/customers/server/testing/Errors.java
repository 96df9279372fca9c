package retail.customers.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on the API's errors: code, ErrorInfo reason and BadRequest field violations. */
public final class Errors {
  private Errors() {}

  /** The failure of {@code call}, which must fail with a gRPC status. */
  public static StatusRuntimeException failure(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("the call should have failed").isNotNull();
    return e;
  }

  public static Status.Code code(StatusRuntimeException e) {
    return e.getStatus().getCode();
  }

  /** The ErrorInfo reason (every error of the API has one). */
  public static String reason(StatusRuntimeException e) {
    return errorInfo(e).getReason();
  }

  /** The ErrorInfo metadata. */
  public static Map<String, String> metadata(StatusRuntimeException e) {
    return errorInfo(e).getMetadataMap();
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("rich status").isNotNull();
    return status.getDetailsList().stream()
        .filter(d -> d.is(ErrorInfo.class))
        .map(d -> unpack(d, ErrorInfo.class))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ErrorInfo in " + status));
  }

  /** Field violations by field path. */
  public static Map<String, String> violations(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("rich status").isNotNull();
    return violationsOf(status);
  }

  public static Map<String, String> violationsOf(com.google.rpc.Status status) {
    return status.getDetailsList().stream()
        .filter(d -> d.is(BadRequest.class))
        .flatMap(d -> unpack(d, BadRequest.class).getFieldViolationsList().stream())
        .collect(Collectors.toMap(BadRequest.FieldViolation::getField, BadRequest.FieldViolation::getDescription, (a, b) -> a + "; " + b));
  }

  public static List<String> violatedFields(StatusRuntimeException e) {
    return List.copyOf(violations(e).keySet());
  }

  private static <T extends com.google.protobuf.Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new AssertionError(ex);
    }
  }
}
