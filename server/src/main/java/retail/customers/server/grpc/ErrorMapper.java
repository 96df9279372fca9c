package retail.customers.server.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import retail.customers.server.ops.Failures;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses: an {@link ApiException}
 * keeps its code and details; database failures are classified by SQLSTATE
 * (connection loss is UNAVAILABLE, the only code clients retry blindly);
 * anything else is a bug, logged with an id that the client also gets.
 *
 * <p>Every status carries a {@code google.rpc.ErrorInfo} in the domain
 * {@value #DOMAIN}, and invalid input a {@code google.rpc.BadRequest}.
 */
public final class ErrorMapper {
  public static final String DOMAIN = "customers.retail";
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  /**
   * Unique indexes whose violation is the client's doing, with the field that
   * names it. Anything not listed stays an internal error: a broken invariant.
   */
  private static final Map<String, Conflict> UNIQUE_CONSTRAINTS =
      Map.of(
          "customer_external_reference_uq", new Conflict("customer.external_reference", "another customer has this external reference"),
          "tax_class_name_uq", new Conflict("tax_class.display_name", "another tax class has this name"),
          "customer_type_name_uq", new Conflict("customer_type.display_name", "another customer type has this name"),
          "custom_field_name_uq", new Conflict("custom_field.display_name", "another custom field has this name"),
          "custom_field_pkey", new Conflict("custom_field_id", "another custom field has this id"));

  private record Conflict(String field, String description) {}

  private ErrorMapper() {}

  public static StatusRuntimeException toStatusException(Throwable failure) {
    return statusException(toApiException(failure));
  }

  /** The google.rpc.Status of a failure, for results that carry one per item (batches). */
  public static com.google.rpc.Status toStatusProto(Throwable failure) {
    return statusProto(toApiException(failure));
  }

  /** Classifies any failure as an {@link ApiException}. */
  public static ApiException toApiException(Throwable failure) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof StatusRuntimeException || failure instanceof StatusException) {
      Status status = Status.fromThrowable(failure);
      return ApiException.callEnded(status.getCode(), String.valueOf(status.getDescription()));
    }
    Optional<SQLException> sql = sqlCause(failure);
    if (sql.isPresent()) {
      ApiException mapped = fromSql(sql.get());
      if (mapped != null) {
        return mapped;
      }
    }
    Context context = Context.current();
    if (context.isCancelled()) {
      return callEnded(context);
    }
    String errorId = UUID.randomUUID().toString();
    log.atError().setMessage("internal error").addKeyValue("error_id", errorId)
        .addKeyValue("failure", Failures.describe(failure)).log();
    return ApiException.internal(errorId);
  }

  /** The status that reports the end of a cancelled or expired call. */
  public static ApiException callEnded(Context context) {
    Deadline deadline = context.getDeadline();
    if (deadline != null && deadline.isExpired()) {
      return ApiException.callEnded(Status.Code.DEADLINE_EXCEEDED, "the call's deadline passed; its work was stopped");
    }
    return ApiException.callEnded(Status.Code.CANCELLED, "the call was cancelled; its work was stopped");
  }

  private static StatusRuntimeException statusException(ApiException e) {
    return StatusProto.toStatusRuntimeException(statusProto(e));
  }

  private static com.google.rpc.Status statusProto(ApiException e) {
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(e.reason().name()).setDomain(DOMAIN).putAllMetadata(e.metadata());
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder()
            .setCode(e.code().value())
            .setMessage(e.getMessage())
            .addDetails(Any.pack(info.build()));
    if (!e.violations().isEmpty()) {
      status.addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(e.violations()).build()));
    }
    e.retryDelay().ifPresent(delay -> status.addDetails(Any.pack(com.google.rpc.RetryInfo.newBuilder()
        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(delay.getSeconds()).setNanos(delay.getNano()))
        .build())));
    return status.build();
  }

  private static ApiException fromSql(SQLException e) {
    String state = e.getSQLState();
    if (e instanceof SQLTransientConnectionException || state == null) {
      return e instanceof SQLTransientConnectionException
          ? ApiException.unavailable("the database is busy or unreachable; retry with backoff")
          : null;
    }
    if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
      return ApiException.unavailable("the database is unreachable; retry with backoff");
    }
    if (state.equals("40001") || state.equals("40P01")) {
      return ApiException.concurrentModification();
    }
    if (state.equals("57014")) { // query_canceled: our cancellation, or the statement timeout
      Context context = Context.current();
      return context.isCancelled()
          ? callEnded(context)
          : ApiException.callEnded(Status.Code.DEADLINE_EXCEEDED, "the query ran past the statement timeout and was stopped");
    }
    if (state.equals("55P03") || state.equals("23503")) {
      // lock_not_available (lock timeout), or foreign_key_violation: a type or
      // tax class was deleted while this write referred to it. Both are races
      // that a retry resolves (or turns into a clear validation error).
      return ApiException.concurrentModification();
    }
    if (state.equals("23505") && e instanceof PSQLException p) {
      ServerErrorMessage server = p.getServerErrorMessage();
      Conflict conflict = server == null ? null : UNIQUE_CONSTRAINTS.get(server.getConstraint());
      if (conflict != null) {
        return ApiException.alreadyExists(conflict.field(), conflict.description());
      }
    }
    return null;
  }

  /** Whether the failure is PostgreSQL's deadlock or serialization failure, which a retry of the same work resolves. */
  public static boolean isDeadlock(Throwable failure) {
    return sqlCause(failure).map(SQLException::getSQLState).filter(s -> s.equals("40P01") || s.equals("40001")).isPresent();
  }

  private static Optional<SQLException> sqlCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return Optional.of(sql);
      }
    }
    return Optional.empty();
  }
}
