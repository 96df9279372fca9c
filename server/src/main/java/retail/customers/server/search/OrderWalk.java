package retail.customers.server.search;

import static org.jooq.impl.DSL.any;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.inline;
import static retail.customers.db.Tables.CUSTOMER;

import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.Select;
import org.jooq.Table;
import retail.customers.server.customer.CustomerRepository;

/**
 * Free text walked along the order's index, within bounds. The planner walks
 * an order's index when it expects the matches to be dense, and may walk the
 * whole of it when they are not: sorted by a name, a word's matches cluster
 * where the name contains it ("mith" sits at S in last-name order; "tremb"
 * took 1.3 s to reach at a million customers), and in any order a rare word
 * that happens to be in the planner's sample is taken for a common one
 * ("akano", 70 customers, estimated at 3,800: 0.6 s). So this walks a
 * bounded stretch of the index, which suffices when matches are dense there;
 * otherwise it takes up to {@link #SORT_ALL_LIMIT} matches from the trigram
 * index and sorts them, which is exact when that is all of them; and only
 * when there are more does it leave the walk to the planner. Words the
 * statistics expect to have too many matches to sort walk ten times further
 * first: "mith", 117,000 customers, has none among the first 20,000 in
 * last-name order, a page by 30,000, and took 185 ms to find there by
 * reading 100,000 matches from the trigram index before walking on.
 */
final class OrderWalk {
  /**
   * Customers walked in order before switching to the trigram index: at
   * about 1 µs each, a walk that finds nothing costs 10 ms, while a word
   * spread over the names ("son": Anderson, Johnson, Allison...) or common
   * in time fills a page well within it.
   */
  static final int BUDGET = 10_000;
  /**
   * Customers walked when the statistics expect more matches than may be
   * sorted: about 50 ms at most, where reading {@link #SORT_ALL_LIMIT}
   * matches only to find them too many costs 150 ms.
   */
  static final int LONG_BUDGET = 10 * BUDGET;
  /** The share of the sort limit from which expected matches take the long walk: the sample's estimate is rough. */
  static final double LONG_WALK_FROM = 0.8;
  /**
   * The most matches taken from the trigram index and sorted, rather than
   * walking the name index on: a match costs about 1.5 µs that way, so this
   * bounds the sort near 150 ms, which walking a clustered common fragment
   * ("tremb": 1.3 s) can far exceed.
   */
  static final int SORT_ALL_LIMIT = 100_000;

  private final DSLContext dsl;
  private final DSLContext cachedPlans;
  private final int sortAllLimit;

  /**
   * @param dsl statements planned for their values
   * @param cachedPlans for the walk itself, whose plan its SQL fixes
   */
  OrderWalk(DSLContext dsl, DSLContext cachedPlans, int sortAllLimit) {
    this.dsl = dsl;
    this.cachedPlans = cachedPlans;
    this.sortAllLimit = sortAllLimit;
  }

  /**
   * The first {@code limit} customers of the tenant after {@code position}
   * that match, in the order.
   *
   * @param expectedMatches how many customers the statistics expect to match; negative when unknown
   */
  List<Found> page(UUID tenant, SearchCriteria criteria, SortOrder order, Condition position, int limit, double expectedMatches) {
    Condition tenantRows = CUSTOMER.TENANT_ID.eq(tenant).and(position);
    int budget = expectedMatches > LONG_WALK_FROM * sortAllLimit ? LONG_BUDGET : BUDGET;
    List<Found> walked = CustomerRepository.fetch(walk(tenantRows, criteria, order, limit, budget), rs -> Found.read(rs, order));
    if (walked.size() >= limit || dsl.fetchCount(dsl.selectOne().from(CUSTOMER).where(tenantRows).limit(budget)) < budget) {
      return walked; // the page is full, or the walk reached the end: exact either way
    }
    // The matches are sparse at the start of the order. Take them from the
    // trigram index, reading only their ids and sort keys, up to
    // sortAllLimit of them, and sort those: when that is all of them, the
    // page is exact at a cost that follows the number of matches ("tremb",
    // 50,000 of them: 0.15 s instead of the 1.3 s of the planner's walk to
    // T). When there are more, sorting them all would cost more than walking
    // on: the planner's own plan does that. Planner settings are the only way
    // to ask for the first plan; SET LOCAL keeps them to this transaction.
    Condition where = tenantRows.and(criteria.condition());
    List<UUID> page =
        dsl.transactionResult(
            c -> {
              DSLContext tx = c.dsl();
              tx.execute("set local enable_indexscan = off; set local enable_indexonlyscan = off; set local enable_seqscan = off");
              Table<?> matches =
                  tx.select(CUSTOMER.ID, order.column()).from(CUSTOMER).where(where).limit(sortAllLimit + 1).asTable("matches");
              Field<Integer> found = count().over().as("found");
              Result<? extends Record> top =
                  tx.select(matches.field(CUSTOMER.ID), found)
                      .from(matches)
                      .orderBy(order.orderBy(matches.field(order.column()), matches.field(CUSTOMER.ID)))
                      .limit(limit)
                      .fetch();
              return !top.isEmpty() && top.getFirst().get(found) > sortAllLimit
                  ? null
                  : top.map(r -> r.get(matches.field(CUSTOMER.ID)));
            });
    if (page == null) {
      return CustomerRepository.fetch(
          CustomerRepository.selectRows(dsl, order.column()).where(where).orderBy(order.orderBy()).limit(limit),
          rs -> Found.read(rs, order));
    }
    return rowsInOrder(tenant, order, page);
  }

  /**
   * The bounded walk, inside PostgreSQL: the first {@code budget} customers
   * in order (a subquery the planner cannot push the conditions into),
   * filtered on the way, stopping at the page's last match; then the page's
   * customers, with their pricing. The plan is the walk whatever the values:
   * it is made once per connection. The page is taken before its pricing is
   * joined: made without the values, the plan expects the text to match one
   * customer in 200, and when one tenant holds the table (a store's own
   * installation) it expects the whole walk to be read. Had the page's own
   * statement joined the pricing, that plan read the whole walk, hashed it
   * against the customer types and sorted what matched: "tin", at a million
   * customers, read 10,000 of them in 5.6 ms instead of 1,914 in 1.8 ms.
   * Each derived table reads as the table ({@link CustomerRepository#asCustomers}),
   * so that the conditions and the row's columns read it.
   */
  Select<Record> walk(Condition tenantRows, SearchCriteria criteria, SortOrder order, int limit, int budget) {
    Table<?> walk =
        CustomerRepository.asCustomers(
            cachedPlans.select(CUSTOMER.asterisk()).from(CUSTOMER).where(tenantRows).orderBy(order.orderBy()).limit(inline(budget)));
    Table<?> page =
        CustomerRepository.asCustomers(
            cachedPlans.select(walk.asterisk())
                .from(walk)
                .where(criteria.forCachedPlan().condition())
                .orderBy(order.orderBy())
                .limit(inline(limit)));
    return CustomerRepository.selectRows(cachedPlans, page, order.column()).orderBy(order.orderBy());
  }

  /** The customers with these ids, with their pricing, in the order. */
  private List<Found> rowsInOrder(UUID tenant, SortOrder order, List<UUID> ids) {
    return CustomerRepository.fetch(
        CustomerRepository.selectRows(dsl, order.column())
            .where(CUSTOMER.TENANT_ID.eq(tenant).and(CUSTOMER.ID.eq(any(ids.toArray(UUID[]::new)))))
            .orderBy(order.orderBy()),
        rs -> Found.read(rs, order));
  }
}
