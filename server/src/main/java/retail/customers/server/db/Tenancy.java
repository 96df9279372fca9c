package retail.customers.server.db;

import io.grpc.Context;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * The tenant whose rows the current work may see: a value of the gRPC
 * {@link Context}, set for each call by its authentication and carried to
 * every thread the call's work moves to (as the call's cancellation already
 * is). {@link TenantConnections} sets it on each connection taken from the
 * pool; the database's row-level security does the rest.
 *
 * <p>Work that runs outside any call for one tenant (a cache refreshing a
 * tenant's entry, an administrator's command) names its tenant with
 * {@link #call}; work that belongs to no tenant has none and sees no
 * tenant's rows.
 */
public final class Tenancy {
  private static final Context.Key<UUID> TENANT = Context.key("customers-tenant");

  private Tenancy() {}

  /** {@code context} with {@code tenant} as its tenant. */
  public static Context of(Context context, UUID tenant) {
    return context.withValue(TENANT, tenant);
  }

  /** The current work's tenant, or null when it has none. */
  public static UUID current() {
    return TENANT.get();
  }

  /** Runs {@code work} as {@code tenant}'s. */
  public static <T> T call(UUID tenant, Callable<T> work) {
    try {
      return of(Context.current(), tenant).call(work);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code work} as {@code tenant}'s. */
  public static void run(UUID tenant, Runnable work) {
    of(Context.current(), tenant).run(work);
  }
}
