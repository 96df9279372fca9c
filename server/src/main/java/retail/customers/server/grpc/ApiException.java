package retail.customers.server.grpc;

import com.google.rpc.BadRequest.FieldViolation;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import retail.customers.v1.ErrorReason;

/**
 * A failure that the client caused or must know about, in the API's terms.
 * Services and repositories throw it; {@link ErrorMapper} alone turns it into
 * a gRPC status with its details, so no service builds a status itself.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final ErrorReason reason;
  private final transient List<FieldViolation> violations;
  private final transient Map<String, String> metadata;
  /** How long the client should wait before it retries (RetryInfo), or null. */
  private final java.time.Duration retryDelay;

  private ApiException(
      Status.Code code, ErrorReason reason, String message, List<FieldViolation> violations, Map<String, String> metadata) {
    this(code, reason, message, violations, metadata, null);
  }

  private ApiException(
      Status.Code code, ErrorReason reason, String message, List<FieldViolation> violations, Map<String, String> metadata,
      java.time.Duration retryDelay) {
    super(bounded(message), null, false, false);
    this.code = code;
    this.reason = reason;
    this.violations = violations.stream().limit(MAX_VIOLATIONS)
        .map(v -> v.toBuilder().setField(bounded(v.getField())).setDescription(bounded(v.getDescription())).build())
        .toList();
    Map<String, String> kept = new java.util.HashMap<>();
    metadata.forEach((key, value) -> kept.put(key, bounded(value)));
    this.metadata = Map.copyOf(kept);
    this.retryDelay = retryDelay;
  }

  /**
   * The longest text an error carries, and the most field violations: a
   * message that echoed a client's unbounded input (a 100,000-character
   * order_by) outgrew gRPC's limit on trailers, and the client got an HTTP/2
   * error instead of its answer. Resource names and cursors fit easily.
   */
  static final int MAX_TEXT = 1_000;
  static final int MAX_VIOLATIONS = 100;

  /** The text, cut at {@link #MAX_TEXT} characters (never inside a surrogate pair) with how much was left out. */
  static String bounded(String text) {
    if (text == null || text.length() <= MAX_TEXT) {
      return text;
    }
    int cut = Character.isHighSurrogate(text.charAt(MAX_TEXT - 1)) ? MAX_TEXT - 1 : MAX_TEXT;
    return text.substring(0, cut) + "... (" + (text.length() - cut) + " more characters)";
  }

  public java.util.Optional<java.time.Duration> retryDelay() {
    return java.util.Optional.ofNullable(retryDelay);
  }

  /** RESOURCE_EXHAUSTED: the key's call rate is over its limit; RetryInfo says when a call will be accepted. */
  public static ApiException rateLimited(double perSecond, java.time.Duration retryAfter) {
    return new ApiException(
        Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED,
        "this API key is over its limit of " + Math.round(perSecond) + " calls per second; retry after " + retryAfter.toMillis() + " ms",
        List.of(), Map.of("limit_per_second", Long.toString(Math.round(perSecond))), retryAfter);
  }

  public Status.Code code() {
    return code;
  }

  public ErrorReason reason() {
    return reason;
  }

  public List<FieldViolation> violations() {
    return violations;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** INVALID_ARGUMENT naming every bad field. */
  public static ApiException invalid(List<FieldViolation> violations) {
    String summary =
        violations.size() == 1
            ? violations.getFirst().getField() + ": " + violations.getFirst().getDescription()
            : violations.size() + " invalid fields, first " + violations.getFirst().getField() + ": "
                + violations.getFirst().getDescription();
    return new ApiException(Status.Code.INVALID_ARGUMENT, ErrorReason.INVALID_FIELDS, summary, violations, Map.of());
  }

  /** INVALID_ARGUMENT for one bad field. */
  public static ApiException invalidField(String field, String description) {
    return invalid(List.of(FieldViolation.newBuilder().setField(field).setDescription(description).build()));
  }

  public static ApiException invalidPageToken(String why) {
    return invalidPageToken("page_token", why);
  }

  /** INVALID_PAGE_TOKEN for a token sent in another field (an export's {@code resume_token}). */
  public static ApiException invalidPageToken(String field, String why) {
    return new ApiException(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.INVALID_PAGE_TOKEN,
        field + ": " + why,
        List.of(FieldViolation.newBuilder().setField(field).setDescription(why).build()),
        Map.of());
  }

  public static ApiException unsupportedField(String field, String why) {
    return new ApiException(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.UNSUPPORTED_FIELD,
        field + ": " + why,
        List.of(FieldViolation.newBuilder().setField(field).setDescription(why).build()),
        Map.of());
  }

  public static ApiException requestIdReused(String method) {
    return new ApiException(
        Status.Code.INVALID_ARGUMENT,
        ErrorReason.REQUEST_ID_REUSED,
        "request_id was already used for a different " + method + " request; use a new request_id for a new request",
        List.of(FieldViolation.newBuilder().setField("request_id").setDescription("already used for a different request").build()),
        Map.of("method", method));
  }

  /** NOT_FOUND: no such resource in the caller's tenant (whether or not another tenant has it). */
  public static ApiException notFound(String resourceName) {
    return new ApiException(
        Status.Code.NOT_FOUND, ErrorReason.RESOURCE_NOT_FOUND, resourceName + " not found", List.of(),
        Map.of("resource", resourceName));
  }

  public static ApiException alreadyExists(String field, String description) {
    return new ApiException(
        Status.Code.ALREADY_EXISTS,
        ErrorReason.ALREADY_EXISTS,
        field + ": " + description,
        List.of(FieldViolation.newBuilder().setField(field).setDescription(description).build()),
        Map.of());
  }

  public static ApiException etagMismatch(String resourceName) {
    return new ApiException(
        Status.Code.ABORTED,
        ErrorReason.ETAG_MISMATCH,
        resourceName + " was changed by someone else: read it again, then retry with its new etag",
        List.of(),
        Map.of("resource", resourceName));
  }

  public static ApiException concurrentModification() {
    return new ApiException(
        Status.Code.ABORTED, ErrorReason.CONCURRENT_MODIFICATION,
        "the write met a concurrent one and was rolled back; retry it", List.of(), Map.of());
  }

  public static ApiException erased(String resourceName) {
    return new ApiException(
        Status.Code.FAILED_PRECONDITION, ErrorReason.CUSTOMER_ERASED,
        resourceName + " was erased: its personal data is gone and it can no longer change", List.of(),
        Map.of("resource", resourceName));
  }

  public static ApiException inUse(String message) {
    return new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.RESOURCE_IN_USE, message, List.of(), Map.of());
  }

  public static ApiException invalidState(String message) {
    return new ApiException(Status.Code.FAILED_PRECONDITION, ErrorReason.INVALID_STATE, message, List.of(), Map.of());
  }

  public static ApiException limitExceeded(String field, String message) {
    return new ApiException(
        Status.Code.RESOURCE_EXHAUSTED, ErrorReason.LIMIT_EXCEEDED, field + ": " + message,
        List.of(FieldViolation.newBuilder().setField(field).setDescription(message).build()), Map.of());
  }

  public static ApiException missingCredentials() {
    return new ApiException(
        Status.Code.UNAUTHENTICATED, ErrorReason.MISSING_CREDENTIALS,
        "missing credentials: send the metadata 'authorization: Bearer <api key>'", List.of(), Map.of());
  }

  public static ApiException invalidCredentials() {
    return new ApiException(
        Status.Code.UNAUTHENTICATED, ErrorReason.INVALID_CREDENTIALS, "the API key is unknown, revoked or expired",
        List.of(), Map.of());
  }

  /** PERMISSION_DENIED: the key may not do what the call does. */
  public static ApiException missingScope(String scope) {
    return new ApiException(
        Status.Code.PERMISSION_DENIED, ErrorReason.MISSING_SCOPE, "this API key lacks the scope " + scope + ", which the call needs",
        List.of(), Map.of("scope", scope));
  }

  /** FAILED_PRECONDITION: a write to a customer merged into {@code survivor}, named in the message and the metadata. */
  public static ApiException merged(String resourceName, String survivor) {
    return new ApiException(
        Status.Code.FAILED_PRECONDITION, ErrorReason.CUSTOMER_MERGED,
        resourceName + " was merged into " + survivor + ": write to the survivor instead", List.of(), Map.of("survivor", survivor));
  }

  /** OUT_OF_RANGE: a change-stream cursor older than the events retained. */
  public static ApiException cursorExpired(String message) {
    return new ApiException(Status.Code.OUT_OF_RANGE, ErrorReason.CURSOR_EXPIRED, message, List.of(), Map.of());
  }

  /** UNAVAILABLE for a stream the server ended, with where to resume it in the metadata. */
  public static ApiException unavailableResumable(String message, Map<String, String> resume) {
    return new ApiException(Status.Code.UNAVAILABLE, ErrorReason.SERVER_SHUTTING_DOWN, message, List.of(), resume);
  }

  public static ApiException unavailable(String message) {
    return new ApiException(
        Status.Code.UNAVAILABLE, ErrorReason.DATABASE_UNAVAILABLE, message, List.of(), Map.of());
  }

  public static ApiException callEnded(Status.Code code, String message) {
    return new ApiException(code, ErrorReason.CALL_ENDED, message, List.of(), Map.of());
  }

  public static ApiException internal(String errorId) {
    return new ApiException(
        Status.Code.INTERNAL, ErrorReason.INTERNAL_ERROR,
        "internal error " + errorId + "; please report it with this id", List.of(), Map.of("error_id", errorId));
  }
}
