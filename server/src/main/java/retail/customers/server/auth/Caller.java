package retail.customers.server.auth;

import io.grpc.Context;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling: the tenant (store account) that the API key belongs to, and
 * the key itself (for the audit trail). Set by {@link AuthInterceptor} on the
 * call's context; every service reads it from there and never from the
 * request.
 *
 * @param tenantId the tenant whose data the call may see
 * @param countryCode the tenant's country, the default region of phones and
 *     postal codes
 * @param apiKeyId the key used
 * @param scopes what the key may do ({@link Scopes})
 */
public record Caller(UUID tenantId, String countryCode, UUID apiKeyId, Set<String> scopes) {
  /** A caller with every scope (the server's own work, tests). */
  public Caller(UUID tenantId, String countryCode, UUID apiKeyId) {
    this(tenantId, countryCode, apiKeyId, Set.copyOf(Scopes.ALL));
  }

  static final Context.Key<Caller> KEY = Context.key("retail.customers.caller");

  /** The caller of the current call; fails if the call went around the interceptor (a wiring bug). */
  public static Caller current() {
    Caller caller = KEY.get();
    if (caller == null) {
      throw new IllegalStateException("no authenticated caller on this call: is the service behind AuthInterceptor?");
    }
    return caller;
  }
}
