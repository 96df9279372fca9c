package retail.customers.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A call of the API failed. Every failure the client reports is one of
 * these, unchecked, with the gRPC status and the API's reason (its
 * {@code ErrorInfo}, e.g. {@code ETAG_MISMATCH}); the subclasses name the
 * failures a program handles differently:
 *
 * <ul>
 *   <li>{@link NotFoundException}: no such resource in this store;
 *   <li>{@link InvalidArgumentException}: bad input, with its field violations;
 *   <li>{@link ConflictException}: a stale etag, a unique value taken;
 *   <li>{@link FailedPreconditionException}: the resource's state forbids the
 *       call (erased, merged into another);
 *   <li>{@link UnauthenticatedException}, {@link PermissionDeniedException};
 *   <li>{@link UnavailableException}: the service could not be reached or
 *       answered, after the client's retries;
 *   <li>{@link ResourceExhaustedException}: a rate or size limit, with when
 *       to try again.
 * </ul>
 */
public class CustomersException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;
  private final String reason;
  private final Map<String, String> metadata;
  private final transient com.google.rpc.Status details;

  CustomersException(StatusRuntimeException cause, com.google.rpc.Status details) {
    super(cause.getStatus().getCode() + ": " + cause.getStatus().getDescription(), cause);
    this.status = cause.getStatus();
    this.details = details;
    ErrorInfo info = detail(details, ErrorInfo.class).orElse(ErrorInfo.getDefaultInstance());
    this.reason = info.getReason();
    this.metadata = Map.copyOf(info.getMetadataMap());
  }

  /** The gRPC status of the failed call. */
  public Status status() {
    return status;
  }

  /** The API's reason for the failure (ErrorReason in errors.proto), or empty. */
  public String reason() {
    return reason;
  }

  /** The reason's metadata (e.g. "survivor" of a merged customer, "scope" of a missing scope). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The rich error (google.rpc.Status with its details), for what the typed accessors do not cover. */
  public com.google.rpc.Status details() {
    return details;
  }

  static <T extends com.google.protobuf.Message> Optional<T> detail(com.google.rpc.Status details, Class<T> type) {
    if (details == null) {
      return Optional.empty();
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** The typed exception for a failure of a raw stub's call (see {@link CustomersChannel}). */
  public static CustomersException from(StatusRuntimeException e) {
    return of(e);
  }

  /** The exception for a failed call. */
  static CustomersException of(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    switch (e.getStatus().getCode()) {
      case NOT_FOUND:
        return new NotFoundException(e, details);
      case INVALID_ARGUMENT:
      case OUT_OF_RANGE:
        return new InvalidArgumentException(e, details);
      case ABORTED:
      case ALREADY_EXISTS:
        return new ConflictException(e, details);
      case FAILED_PRECONDITION:
        return new FailedPreconditionException(e, details);
      case UNAUTHENTICATED:
        return new UnauthenticatedException(e, details);
      case PERMISSION_DENIED:
        return new PermissionDeniedException(e, details);
      case UNAVAILABLE:
      case DEADLINE_EXCEEDED:
        return new UnavailableException(e, details);
      case RESOURCE_EXHAUSTED:
        return new ResourceExhaustedException(e, details);
      default:
        return new CustomersException(e, details);
    }
  }

  /** No such resource in this store. */
  public static final class NotFoundException extends CustomersException {
    private static final long serialVersionUID = 1L;

    NotFoundException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
    }
  }

  /** Bad input: every field that is wrong, and why. */
  public static final class InvalidArgumentException extends CustomersException {
    private static final long serialVersionUID = 1L;
    private final List<FieldViolation> violations;

    InvalidArgumentException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
      List<FieldViolation> found = new ArrayList<>();
      detail(details, BadRequest.class).ifPresent(bad -> bad.getFieldViolationsList()
          .forEach(v -> found.add(new FieldViolation(v.getField(), v.getDescription()))));
      this.violations = List.copyOf(found);
    }

    /** The fields at fault (paths such as {@code customer.email}), each with its reason. */
    public List<FieldViolation> violations() {
      return violations;
    }
  }

  /** A field at fault, and why. */
  public record FieldViolation(String field, String description) {}

  /** The resource changed since it was read (stale etag), or a unique value is taken. */
  public static final class ConflictException extends CustomersException {
    private static final long serialVersionUID = 1L;

    ConflictException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
    }
  }

  /** The resource's state forbids the call: erased, or merged into another (see {@link #metadata()} "survivor"). */
  public static final class FailedPreconditionException extends CustomersException {
    private static final long serialVersionUID = 1L;

    FailedPreconditionException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
    }
  }

  /** No API key, or one that is unknown, revoked or expired. */
  public static final class UnauthenticatedException extends CustomersException {
    private static final long serialVersionUID = 1L;

    UnauthenticatedException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
    }
  }

  /** The API key lacks the scope the call needs. */
  public static final class PermissionDeniedException extends CustomersException {
    private static final long serialVersionUID = 1L;

    PermissionDeniedException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
    }

    /** The scope the call needs, e.g. {@code customers.write}. */
    public String scope() {
      return metadata().getOrDefault("scope", "");
    }
  }

  /** The service could not be reached or did not answer in time, after the client's retries. */
  public static final class UnavailableException extends CustomersException {
    private static final long serialVersionUID = 1L;

    UnavailableException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
    }
  }

  /** A limit: calls per second (with when to try again), or message size. */
  public static final class ResourceExhaustedException extends CustomersException {
    private static final long serialVersionUID = 1L;
    private final Duration retryDelay;

    ResourceExhaustedException(StatusRuntimeException cause, com.google.rpc.Status details) {
      super(cause, details);
      this.retryDelay = detail(details, RetryInfo.class)
          .map(r -> Duration.ofSeconds(r.getRetryDelay().getSeconds(), r.getRetryDelay().getNanos()))
          .orElse(null);
    }

    /** When to try again, if the server said. */
    public Optional<Duration> retryDelay() {
      return Optional.ofNullable(retryDelay);
    }
  }
}
