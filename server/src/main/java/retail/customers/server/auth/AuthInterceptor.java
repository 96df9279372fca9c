package retail.customers.server.auth;

import io.grpc.Context;
import retail.customers.server.db.Tenancy;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.ops.CallRecord;

/**
 * Authenticates every call of the API's services by its
 * {@code authorization: Bearer <key>} metadata and puts the {@link Caller}
 * on the call's context. No key, or a key that is unknown, revoked or
 * expired: UNAUTHENTICATED, before any other work; a key without the scope
 * the method needs ({@link Scopes}): PERMISSION_DENIED naming it.
 */
public final class AuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private final ApiKeys keys;

  public AuthInterceptor(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String header = headers.get(AUTHORIZATION);
    Caller caller;
    try {
      if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        throw ApiException.missingCredentials();
      }
      caller = keys.resolve(header.substring(BEARER.length()).trim()).orElseThrow(ApiException::invalidCredentials);
      Caller authenticated = caller;
      Scopes.needed(call.getMethodDescriptor().getFullMethodName())
          .filter(scope -> !authenticated.scopes().contains(scope))
          .ifPresent(scope -> {
            throw ApiException.missingScope(scope);
          });
    } catch (RuntimeException e) {
      StatusRuntimeException status = ErrorMapper.toStatusException(e);
      call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    CallRecord.tenant(caller.tenantId());
    // The caller's tenant goes with the call's context to every connection its work takes (row-level security).
    return Contexts.interceptCall(Tenancy.of(Context.current(), caller.tenantId()).withValue(Caller.KEY, caller), call, headers, next);
  }
}
