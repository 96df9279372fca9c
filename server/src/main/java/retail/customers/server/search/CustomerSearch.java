package retail.customers.server.search;

import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.selectOne;
import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Results;
import org.jooq.Select;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import retail.customers.server.auth.Caller;
import retail.customers.server.customer.CustomerMapper;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.grpc.Violations;
import retail.customers.server.paging.PageTokens;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/**
 * SearchCustomers: free text and filters, sorted, in keyset pages.
 *
 * <p>How a page is found depends on what is asked. Required tags in
 * creation order walk the rarest tag's customers ({@link TagWalk}). Free
 * text in a name order walks the name index, then sorts the trigram index's
 * matches when they are sparse ({@link OrderWalk}). Free text in time order
 * is judged first on the planner's own sample ({@link SearchStatistics}): a
 * word's matches are spread evenly in time, so a common word walks the time
 * index, within bounds ({@link OrderWalk}: 50 matches come quickly, and a
 * rare word taken for a common one does not walk the whole index), and a
 * rare word takes the trigram index's matches and sorts them, written so
 * that the planner cannot walk instead. Anything else, and any search before
 * the table has statistics, is one query whose plan PostgreSQL chooses.
 *
 * <p>Statements whose SQL leaves one sensible plan (the walks, a rare word's
 * matches, every customer in order) run on plans made once per connection
 * ({@link retail.customers.server.db.Database#cachedPlans()}): planning
 * them for their values took 0.3 ms, three times what running them takes
 * for a postal code.
 *
 * <p>The total is given only on the first page. A search without text or
 * filters reads it, exact, from the counts its tenant's writes keep, in the
 * page's own statement; a search whose matches fit on the page has it too.
 * Otherwise the matches are first estimated: free text from a sample of the
 * tenant's own customers ({@link TenantSample}), filters by the planner.
 * When at most {@value #ESTIMATE_ONLY_ABOVE} are expected, they are counted,
 * no further than {@value #COUNT_LIMIT}, within a budget in proportion to
 * the page's own time ({@link CountBudget}); beyond, or when the count runs
 * out of budget, the estimate is returned as such ({@code total_size_exact}
 * false), never below the matches seen: counting 60,000 matches would cost
 * more than finding the page. A page found by a tag walk is never counted.
 */
public final class CustomerSearch {
  static final int COUNT_LIMIT = 1000;
  /** Above this many expected matches, the total is the planner's estimate, not a count. */
  static final int ESTIMATE_ONLY_ABOVE = 2 * COUNT_LIMIT;
  /**
   * The least share of the customers a word must match, in the planner's
   * sample, to be looked for by walking the time index: a walk of
   * {@link OrderWalk#BUDGET} customers fills a page from 0.5%. One sample
   * value in 300 (0.33%) is below it: a single rare customer in the sample
   * does not make its word common.
   */
  static final double WALK_SHARE = 0.005;
  private static final String QUERY_CANCELED = "57014";
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;

  private final DSLContext dsl;
  private final DSLContext cachedPlans;
  private final OrderWalk orderWalk;
  private final TagWalk tagWalk;
  private final CountBudget countBudget;
  private final SearchStatistics statistics;
  private final TenantSizes tenantSizes;
  private final TenantSample tenantSample;

  /**
   * @param dsl statements planned for their values
   * @param cachedPlans statements planned once per connection, for those whose SQL fixes the plan
   */
  public CustomerSearch(DSLContext dsl, DSLContext cachedPlans, Clock clock, CountBudget countBudget) {
    this(dsl, cachedPlans, clock, OrderWalk.SORT_ALL_LIMIT, TagWalk.BUDGET, countBudget);
  }

  /** With other bounds on the name order's sort and the tag walk (tests reach them with a few customers). */
  CustomerSearch(
      DSLContext dsl, DSLContext cachedPlans, Clock clock, int sortAllLimit, int tagWalkBudget, CountBudget countBudget) {
    this.dsl = dsl;
    this.cachedPlans = cachedPlans;
    this.statistics = new SearchStatistics(dsl, clock);
    this.tenantSizes = new TenantSizes(dsl, clock);
    this.tenantSample = new TenantSample(dsl, tenantSizes, clock);
    this.orderWalk = new OrderWalk(dsl, cachedPlans, sortAllLimit);
    this.tagWalk = new TagWalk(cachedPlans, tagWalkBudget);
    this.countBudget = countBudget;
  }

  public SearchCustomersResponse search(Caller caller, SearchCustomersRequest request) {
    UnknownFields.reject(request);
    // Every bad field of the request is reported at once (SPEC 7).
    Violations violations = new Violations();
    SearchCriteria criteria = SearchCriteria.parse(violations, request.getQuery(), request.getFilter(), request.getShowDeleted());
    SortOrder order = SortOrder.parse(violations, request.getOrderBy(), criteria.hasText());
    if (request.getPageSize() < 0) {
      violations.add("page_size", "must not be negative");
    }
    violations.throwIfAny();
    int pageSize = PageTokens.pageSize(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    boolean firstPage = request.getPageToken().isEmpty();
    List<String> position = firstPage ? null : PageTokens.decode(caller, request, request.getPageToken(), 2);

    // How common the words are, judged on the planner's sample: a walk of
    // the time index pays only where matches are dense. Names are walked
    // within bounds whatever their words: their matches cluster.
    String query = request.getQuery().strip();
    double share = criteria.hasText() ? statistics.share(query, criteria::textMatchesSample) : -1;
    boolean walkOrder = criteria.hasText() && (order.key().isName() || share >= WALK_SHARE);
    boolean walkTag = TagWalk.applies(criteria, order) && (share < 0 || share >= WALK_SHARE);
    // No transaction: each statement reads a consistent snapshot of its own,
    // and BEGIN/COMMIT would double the round trips of a register's lookup.
    long started = System.nanoTime();
    Optional<List<Found>> walked =
        walkTag ? tagWalk.page(caller.tenantId(), criteria, order, position, pageSize + 1) : Optional.empty();
    // The first page of everyone counts them in the same statement, from the kept counts.
    Optional<Field<Long>> everyone =
        firstPage && criteria.everyone() ? Optional.of(TenantSizes.counted(caller.tenantId(), criteria.showDeleted())) : Optional.empty();
    Counted page = walked.map(found -> new Counted(found, null)).orElseGet(
        () -> fetchPage(caller, criteria, order, position, everyone, share, walkOrder, pageSize + 1));
    Duration pageTook = Duration.ofNanos(System.nanoTime() - started);
    List<Found> rows = page.rows();
    SearchCustomersResponse.Builder out = SearchCustomersResponse.newBuilder();
    rows.stream().limit(pageSize).forEach(found -> out.addCustomers(CustomerMapper.toProto(found.row(), request.getView())));
    boolean more = rows.size() > pageSize;
    if (more) {
      out.setNextPageToken(PageTokens.encode(caller, request, rows.get(pageSize - 1).position()));
    }
    if (firstPage && page.total() != null) {
      out.setTotalSize(page.total()).setTotalSizeExact(true);
    } else if (firstPage) {
      // A common tag makes counting costly: PostgreSQL reads the tag's whole
      // list to intersect it with the text, tens of milliseconds for "VIP".
      total(caller, criteria, query, rows.size(), more, walked.isEmpty(), pageTook, out);
    }
    return out.build();
  }

  /** A page, and the number of matches when the same statement counted them (else null). */
  private record Counted(List<Found> rows, Long total) {}

  /**
   * The page by a bounded walk of the order's index ({@code walkOrder}:
   * free text in a name order, or common words), from the trigram index's
   * matches when the words are rare ({@code share}: of the customers, in the
   * planner's sample; negative when unknown), else by one query, which also
   * reads {@code total} when given.
   */
  private Counted fetchPage(
      Caller caller, SearchCriteria criteria, SortOrder order, List<String> position, Optional<Field<Long>> total,
      double share, boolean walkOrder, int limit) {
    Condition after = position == null ? noCondition() : order.after(position);
    Condition tenantRows = CUSTOMER.TENANT_ID.eq(caller.tenantId()).and(after);
    // In time order, the planner would walk the time index for a word it
    // takes for a common one, unbounded: the sample's judgement decides.
    if (walkOrder) {
      double expected = expectedMatches(caller, criteria, share);
      return new Counted(orderWalk.page(caller.tenantId(), criteria, order, after, limit, expected), null);
    } else if (criteria.hasText() && share >= 0 && criteria.textIndexed()) {
      SearchCriteria cached = criteria.forCachedPlan();
      return new Counted(
          CustomerRepository.fetch(
              CustomerRepository.selectRows(cachedPlans, textMatches(cachedPlans, cached), order.column())
                  .where(tenantRows.and(cached.filters()))
                  .orderBy(order.orderBy())
                  .limit(inline(limit)),
              rs -> Found.read(rs, order)),
          null);
    }
    // The rare word the trigram index cannot look up is sorted from a scan
    // (of the tenant's rows, where the planner finds them).
    List<SortField<?>> orderBy = criteria.hasText() && share >= 0 ? order.orderByFound() : order.orderBy();
    // Everyone walks the order's index: that plan never changes.
    DSLContext context = criteria.everyone() ? cachedPlans : dsl;
    Field<?>[] extra = total.isPresent() ? new Field<?>[] {order.column(), total.get()} : new Field<?>[] {order.column()};
    List<Found.Counted> rows =
        CustomerRepository.fetch(
            CustomerRepository.selectRows(context, extra)
                .where(tenantRows.and(criteria.condition()))
                .orderBy(orderBy)
                .limit(inline(limit)),
            rs -> total.isPresent() ? Found.Counted.read(rs, order) : new Found.Counted(Found.read(rs, order), null));
    List<Found> found = rows.stream().map(Found.Counted::found).toList();
    // No rows: nobody to count, whatever the counts say.
    return new Counted(found, total.isEmpty() ? null : rows.isEmpty() ? 0L : rows.getFirst().count());
  }

  /**
   * The customers (of every tenant) whose search text matches the words, as
   * a derived table that reads as the table. No condition can be pushed into
   * it (OFFSET 0): PostgreSQL reads the trigram index's matches and filters
   * and sorts those, and the plan, made once, cannot turn into a walk of the
   * order's index (nor AND in the tenant's whole primary key, as a plan
   * made without the values does when the tenant is in the same scan).
   */
  private static Table<?> textMatches(DSLContext context, SearchCriteria criteria) {
    return CustomerRepository.asCustomers(context.select(CUSTOMER.asterisk()).from(CUSTOMER).where(criteria.text()).offset(inline(0)));
  }

  /**
   * How many customers the words match, expected from the planner's sample
   * ({@code share}) and the tenant's kept count; negative when unknown: no
   * statistics yet, or filters, which make it an upper bound at most.
   */
  private double expectedMatches(Caller caller, SearchCriteria criteria, double share) {
    return criteria.textOnly() && share >= 0 ? share * tenantSizes.of(caller.tenantId(), criteria.showDeleted()) : -1;
  }

  /**
   * Sets the total of a first page: what it holds when it is the only page;
   * else a count up to {@value #COUNT_LIMIT} when {@code mayCount} and at
   * most {@value #ESTIMATE_ONLY_ABOVE} matches are expected, if it ends
   * within the budget the page's own time gives it; else the estimate,
   * never below the matches seen (the page's rows, or the count's).
   *
   * @param pageRows the rows read for the page (one more than it shows when there is a next page)
   */
  private void total(
      Caller caller, SearchCriteria criteria, String query, int pageRows, boolean more, boolean mayCount, Duration pageTook,
      SearchCustomersResponse.Builder out) {
    if (!more) {
      out.setTotalSize(pageRows).setTotalSizeExact(true);
      return;
    }
    Condition matches = CUSTOMER.TENANT_ID.eq(caller.tenantId()).and(criteria.condition());
    double estimate = estimate(caller, criteria, query);
    OptionalLong counted =
        mayCount && countBudget.counts() && estimate <= ESTIMATE_ONLY_ABOVE
            ? countUpTo(matches, COUNT_LIMIT + 1, countBudget.forPage(pageTook))
            : OptionalLong.empty();
    if (counted.isPresent() && counted.getAsLong() <= COUNT_LIMIT) {
      out.setTotalSize(counted.getAsLong()).setTotalSizeExact(true);
    } else {
      out.setTotalSize(Math.max(counted.orElse(pageRows), Math.round(estimate))).setTotalSizeExact(false);
    }
  }

  /**
   * How many customers are expected to match. Free text: the share of a
   * sample of the tenant's customers that the words match, times the
   * customers that the filters leave (all of the tenant's without filters;
   * the planner's estimate with them, the two taken as independent).
   * Filters alone: the planner's estimate (EXPLAIN).
   */
  private double estimate(Caller caller, SearchCriteria criteria, String query) {
    if (!criteria.hasText()) {
      return planned(caller, criteria.filters());
    }
    double expected = tenantSample.expected(caller.tenantId(), criteria.showDeleted(), query, criteria::textMatchesSample);
    if (criteria.textOnly()) {
      return expected;
    }
    long customers = tenantSizes.of(caller.tenantId(), criteria.showDeleted());
    return customers == 0 ? 0 : expected * Math.min(1, planned(caller, criteria.filters()) / customers);
  }

  /** The planner's estimate of the tenant's customers that {@code condition} selects. */
  private double planned(Caller caller, Condition condition) {
    return dsl.explain(dsl.selectOne().from(CUSTOMER).where(CUSTOMER.TENANT_ID.eq(caller.tenantId()).and(condition))).rows();
  }

  /**
   * How many customers match, counting no further than {@code limit}, and
   * for no longer than {@code budget}: empty when it ran out of time. An
   * estimate can take a word of 30,000 matches for one of 1,000, and
   * counting those cost 100 ms. The budget
   * is a statement timeout set for this statement alone: the setting and
   * the count travel together, as one implicit transaction and one round
   * trip. They do only because both rows have a bounded size: before a
   * statement of a multi-statement text whose row it cannot bound (a text
   * column), the driver sends a Sync, which would end the transaction, and
   * the timeout with it, before the count ran. The setting is
   * {@code set_config}'s, not {@code SET LOCAL}, which outside a
   * transaction block the database answers with a warning, in its log and
   * to the driver, on every count.
   */
  OptionalLong countUpTo(Condition where, int limit, Duration budget) {
    Select<Record1<Integer>> count = dsl.select(count()).from(selectOne().from(CUSTOMER).where(where).limit(inline(limit)));
    try {
      Results results = dsl.resultQuery("select set_config('statement_timeout', {0}, true) is not null; {1}",
              inline(Long.toString(Math.max(1, budget.toMillis()))), count)
          .fetchMany();
      return OptionalLong.of(results.getLast().get(0).get(0, Long.class));
    } catch (DataAccessException e) {
      if (QUERY_CANCELED.equals(e.sqlState()) && !Context.current().isCancelled()) {
        return OptionalLong.empty(); // the budget ran out, not the call
      }
      throw e;
    }
  }

}
