package retail.customers.server.search;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.table;
import static retail.customers.db.Tables.CUSTOMER;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.Result;
import retail.customers.server.cache.Caches;
import retail.customers.server.db.Tenancy;
import retail.customers.server.grpc.CallDeadlines;

/**
 * A random sample of each tenant's customers' search texts, from which a
 * search whose matches it does not count estimates them: the share of the
 * sample that the words match, times the tenant's kept count.
 *
 * <p>The planner's own sample of the column (a few hundred values of every
 * tenant at once) is enough to choose a plan, not to say how many customers
 * match: a word in 1% of them is missing from it one time in twenty, and a
 * word of one tenant is diluted by the others. {@value #SIZE} texts of the
 * tenant itself hold on average ten of any word that matches 0.1% of its
 * customers, the least a search estimates rather than counts (1,000 of a
 * million): the share is then within a factor of two of the truth but
 * rarely (see {@code docs/DESIGN.md}). A tenant of at most {@value #SIZE}
 * customers is read whole, and its estimate is exact but for the writes
 * since.
 *
 * <p>A sample is read on the first estimate a tenant needs, then again in
 * the background once it is {@link #REFRESH} old, while the old one is still
 * used. The texts are kept as the database stores them (normalised), and the
 * words are tested in Java ({@link SearchCriteria#textMatchesSample}).
 */
final class TenantSample {
  static final int SIZE = 10_000;
  static final Duration REFRESH = Duration.ofMinutes(5);
  /** The characters kept for all tenants together: about 64 samples of long texts. */
  static final long MAX_CHARACTERS = 100_000_000;

  /** Shares remembered per sample at most: a flood of distinct words must not grow the heap. */
  static final int MAX_REMEMBERED = 1_000;

  /**
   * A tenant's sampled texts, of active customers and of archived ones, and
   * the shares computed on them so far, by query and whether archived
   * customers count: a back office asks the same words again as it pages,
   * and testing a word against 10,000 texts takes a millisecond.
   */
  record Texts(List<String> active, List<String> archived, Cache<String, Double> shares) {
    Texts(List<String> active, List<String> archived) {
      this(active, archived, Caffeine.newBuilder().maximumSize(MAX_REMEMBERED).build());
    }

    long characters() {
      return active.stream().mapToLong(String::length).sum() + archived.stream().mapToLong(String::length).sum();
    }

    /** The share of the texts that {@code matches} accepts, archived ones included when {@code showDeleted}; 0 when empty. */
    double share(boolean showDeleted, Predicate<String> matches) {
      long hits = active.stream().filter(matches).count();
      long sampled = active.size();
      if (showDeleted) {
        hits += archived.stream().filter(matches).count();
        sampled += archived.size();
      }
      return sampled == 0 ? 0 : (double) hits / sampled;
    }
  }

  private final DSLContext dsl;
  private final TenantSizes sizes;
  private final AsyncLoadingCache<UUID, Texts> samples;

  TenantSample(DSLContext dsl, TenantSizes sizes, Clock clock) {
    this.dsl = dsl;
    this.sizes = sizes;
    // Read on threads of their own, outside the calls that asked: the first
    // searches of a tenant wait for one read of its sample, each no longer
    // than its own deadline, and share its failure. Read by the first
    // search itself, the others waited for it however long it took, past
    // their deadlines, then, when it failed (an outage), each read again in
    // turn, as the keys' look-ups once did (ApiKeys).
    this.samples =
        Caches.refreshing(clock, REFRESH, MAX_CHARACTERS, (tenant, texts) -> (int) Math.min(Integer.MAX_VALUE, texts.characters()),
            Caches.onVirtualThreads("tenant-sample"),
            tenant -> Tenancy.call(tenant, () -> read(tenant)));
  }

  /**
   * How many of the tenant's customers (archived ones too when
   * {@code showDeleted}) are expected to have a search text that
   * {@code matches} accepts: a function of {@code query} alone, under which
   * the share is remembered.
   */
  double expected(UUID tenant, boolean showDeleted, String query, Predicate<String> matches) {
    Texts texts = CallDeadlines.awaited(samples.get(tenant));
    double share = texts.shares().get(showDeleted + ":" + query, key -> texts.share(showDeleted, matches));
    return share * sizes.of(tenant, showDeleted);
  }

  /**
   * Reads a sample by the cheaper of two ways: the tenant's rows through its
   * index, keeping each with the chance that leaves {@value #SIZE} (every
   * row of a small tenant); or a share of the table's pages
   * ({@code TABLESAMPLE SYSTEM}), which reads fewer rows when the tenant
   * holds most of a large table.
   */
  private Texts read(UUID tenant) {
    long tenantRows = sizes.of(tenant, true);
    double chance = tenantRows <= SIZE ? 1 : (double) SIZE / tenantRows;
    double tableRows =
        dsl.resultQuery("select greatest(reltuples, 0) from pg_class where oid = 'customer'::regclass").fetchSingle(0, Double.class);
    // Through the index: every row of the tenant is read. Through pages: the
    // same share of every tenant's rows is.
    boolean byPages = chance < 1 && tableRows * chance < tenantRows;
    Field<Boolean> archived = field(CUSTOMER.DELETE_TIME.isNotNull());
    Condition unmerged = CUSTOMER.TENANT_ID.eq(tenant).and(CUSTOMER.MERGED_INTO.isNull());
    Result<Record2<String, Boolean>> rows =
        byPages
            ? dsl.select(CUSTOMER.SEARCH_TEXT, archived)
                .from(table("customer tablesample system ({0})", inline(100 * chance)))
                .where(unmerged)
                .fetch()
            : dsl.select(CUSTOMER.SEARCH_TEXT, archived)
                .from(CUSTOMER)
                .where(unmerged.and(chance < 1 ? condition("random() < {0}", inline(chance)) : noCondition()))
                .fetch();
    List<String> activeTexts = new ArrayList<>();
    List<String> archivedTexts = new ArrayList<>();
    for (Record2<String, Boolean> row : rows) {
      (row.value2() ? archivedTexts : activeTexts).add(row.value1() == null ? "" : row.value1());
    }
    return new Texts(List.copyOf(activeTexts), List.copyOf(archivedTexts));
  }
}
