package retail.customers.server.search;

import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static retail.customers.db.Tables.CUSTOMER_COUNT;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.impl.SQLDataType;
import retail.customers.server.cache.Caches;
import retail.customers.server.db.Tenancy;
import retail.customers.server.grpc.CallDeadlines;

/**
 * How many customers each tenant has, from the counts its writes keep, read
 * at most once per {@link #TIME_TO_LIVE}: for estimating how many customers
 * a word matches, where a minute's creates change nothing that matters.
 */
final class TenantSizes {
  static final Duration TIME_TO_LIVE = Duration.ofMinutes(1);
  /** Tenants remembered at most. */
  static final int MAX_TENANTS = 10_000;

  /** A tenant's customers: active ones, and all but the merged ones (archived ones too). */
  private record Size(long active, long unmerged) {}

  private final DSLContext dsl;
  private final AsyncLoadingCache<UUID, Size> sizes;

  TenantSizes(DSLContext dsl, Clock clock) {
    this.dsl = dsl;
    // Read outside the calls that wait for them.
    this.sizes = Caches.expiringLoading(clock, TIME_TO_LIVE, MAX_TENANTS, Caches.onVirtualThreads("tenant-size"),
        tenant -> Tenancy.call(tenant, () -> read(tenant)));
  }

  /**
   * The tenant's customers, archived ones included when {@code showDeleted}.
   * The calls that find a tenant's count missing or expired wait for one
   * read of it, on a thread of its own, each no longer than its deadline,
   * and share its failure (see {@link TenantSample}).
   */
  long of(UUID tenant, boolean showDeleted) {
    Size size = CallDeadlines.awaited(sizes.get(tenant));
    return showDeleted ? size.unmerged() : size.active();
  }

  /**
   * The tenant's customers, archived ones included when {@code showDeleted},
   * as an expression for a statement of its own or another's (read fresh).
   */
  static Field<Long> counted(UUID tenant, boolean showDeleted) {
    Field<BigDecimal> counted = sum(showDeleted ? CUSTOMER_COUNT.UNMERGED : CUSTOMER_COUNT.ACTIVE);
    return field(select(coalesce(counted, inline(BigDecimal.ZERO))).from(CUSTOMER_COUNT).where(CUSTOMER_COUNT.TENANT_ID.eq(tenant)))
        .cast(SQLDataType.BIGINT);
  }

  private Size read(UUID tenant) {
    Record2<Long, Long> counts = dsl.select(counted(tenant, false), counted(tenant, true)).fetchSingle();
    return new Size(counts.value1(), counts.value2());
  }
}
