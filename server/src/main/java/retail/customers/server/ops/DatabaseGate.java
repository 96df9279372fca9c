package retail.customers.server.ops;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.util.function.Supplier;
import retail.customers.server.db.PoolWaits;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;

/**
 * Fails the API's calls at once with UNAVAILABLE while the health check
 * finds the database unreachable, instead of letting each wait for a
 * connection that will not come: a register's call then fails in
 * microseconds, well inside its deadline, and retries with backoff. Health
 * and reflection, which need no database, go on answering.
 */
public final class DatabaseGate implements ServerInterceptor {
  // Each call it lets through gets its record of failed pool waits: a call
  // that waited in vain once fails at once when it asks again (PoolWaits).
  private final Supplier<ServingStatus> database;

  public DatabaseGate(Supplier<ServingStatus> database) {
    this.database = database;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (database.get() == ServingStatus.NOT_SERVING) {
      StatusRuntimeException unavailable =
          ErrorMapper.toStatusException(ApiException.unavailable("the database is unreachable; retry with backoff"));
      call.close(unavailable.getStatus(), unavailable.getTrailers() == null ? new Metadata() : unavailable.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(PoolWaits.tracked(Context.current()), call, headers, next);
  }
}
