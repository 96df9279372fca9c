package retail.customers.server.search;

import static org.jooq.impl.DSL.any;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.selectOne;
import static retail.customers.db.Tables.CUSTOMER;

import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.Table;
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
 * <p>How a page is found depends on the order. Sorted by time, the rows a
 * word matches are spread evenly along the time index, so PostgreSQL's own
 * choice is right: walk the index and filter when the word is common (50
 * matches come quickly), or take the trigram index's matches and sort them
 * when it is rare (there are few). Sorted by a name, a word's matches cluster
 * where the name contains it ("mith" sits at S in last-name order), and the
 * planner, which assumes they are spread, walks half the table ("tremb" took
 * 1.3 s that way at a million customers). So a name order first walks a
 * bounded stretch of the name index, which suffices when matches are dense
 * there; otherwise it takes up to {@value #SORT_ALL_LIMIT} matches from the
 * trigram index and sorts them, which is exact when that is all of them;
 * and only when there are more does it leave the walk to the planner.
 *
 * <p>The total is given only on the first page. When there is more than one
 * page, it is counted only if the database's statistics expect at most
 * {@value #COUNT_LIMIT} matches; beyond, the estimate is returned as such
 * ({@code total_size_exact} false): counting 60,000 matches would cost more
 * than finding the page.
 */
public final class CustomerSearch {
  static final int COUNT_LIMIT = 1000;
  /** Above this many expected matches, the total is the planner's estimate, not a count. */
  static final int ESTIMATE_ONLY_ABOVE = 2 * COUNT_LIMIT;
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;
  /**
   * Customers walked in name order before switching to the trigram index: at
   * about 1 µs each, a walk that finds nothing costs 10 ms, while a word
   * spread over the names ("son": Anderson, Johnson, Allison...) fills a
   * page well within it.
   */
  static final int NAME_WALK_BUDGET = 10_000;
  /**
   * The most matches taken from the trigram index and sorted, rather than
   * walking the name index on: a match costs about 1.5 µs that way, so this
   * bounds the sort near 150 ms, which walking a clustered common fragment
   * ("tremb": 1.3 s) can far exceed.
   */
  static final int SORT_ALL_LIMIT = 100_000;

  private final DSLContext dsl;
  private final int sortAllLimit;

  public CustomerSearch(DSLContext dsl) {
    this(dsl, SORT_ALL_LIMIT);
  }

  /** With another bound on the matches sorted (tests reach it with a few customers). */
  CustomerSearch(DSLContext dsl, int sortAllLimit) {
    this.dsl = dsl;
    this.sortAllLimit = sortAllLimit;
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
    Condition position =
        firstPage ? noCondition() : order.after(PageTokens.decode(caller, request, request.getPageToken(), 2));

    // No transaction: each statement reads a consistent snapshot of its own,
    // and BEGIN/COMMIT would double the round trips of a register's lookup.
    List<Record> rows = fetchPage(caller, criteria, order, position, pageSize + 1);
    SearchCustomersResponse.Builder out = SearchCustomersResponse.newBuilder();
    rows.stream()
        .limit(pageSize)
        .forEach(r -> out.addCustomers(CustomerMapper.toProto(CustomerRepository.toRow(r), request.getView())));
    boolean more = rows.size() > pageSize;
    if (more) {
      out.setNextPageToken(PageTokens.encode(caller, request, order.positionOf(rows.get(pageSize - 1))));
    }
    if (firstPage) {
      total(CUSTOMER.TENANT_ID.eq(caller.tenantId()).and(criteria.condition()), more ? -1 : rows.size(), out);
    }
    return out.build();
  }

  /**
   * Sets the total of a first page: what it holds when it is the only page;
   * else a count up to {@value #COUNT_LIMIT}, unless the database's
   * statistics expect far more matches ({@value #ESTIMATE_ONLY_ABOVE}), in
   * which case the estimate is all that is returned: counting tens of
   * thousands of matches would cost many times the page itself.
   */
  private void total(Condition matches, int onlyPage, SearchCustomersResponse.Builder out) {
    if (onlyPage >= 0) {
      out.setTotalSize(onlyPage).setTotalSizeExact(true);
      return;
    }
    double estimate = estimate(matches);
    long counted = estimate <= ESTIMATE_ONLY_ABOVE ? countUpTo(matches, COUNT_LIMIT + 1) : COUNT_LIMIT + 1;
    if (counted <= COUNT_LIMIT) {
      out.setTotalSize(counted).setTotalSizeExact(true);
    } else {
      out.setTotalSize(Math.max(COUNT_LIMIT + 1, Math.round(estimate))).setTotalSizeExact(false);
    }
  }

  /** How many customers the planner expects to match: its statistics, at the cost of planning a query. */
  private double estimate(Condition matches) {
    return dsl.explain(dsl.selectOne().from(CUSTOMER).where(matches)).rows();
  }

  private List<Record> fetchPage(Caller caller, SearchCriteria criteria, SortOrder order, Condition position, int limit) {
    Condition tenant = CUSTOMER.TENANT_ID.eq(caller.tenantId());
    Condition where = tenant.and(position).and(criteria.condition());
    if (!criteria.hasText() || !order.key().isName()) {
      return CustomerRepository.selectRows(dsl, order.column()).where(where).orderBy(order.orderBy()).limit(limit).fetch();
    }
    // A bounded walk of the name index, inside PostgreSQL: the first
    // NAME_WALK_BUDGET customers in order (a subquery the planner cannot push
    // the conditions into), filtered on the way, stopping at the page's last
    // match. Named like the table, so that the conditions read its columns.
    Table<?> walk =
        dsl.select(CUSTOMER.asterisk())
            .from(CUSTOMER)
            .where(tenant.and(position))
            .orderBy(order.orderBy())
            .limit(NAME_WALK_BUDGET)
            .asTable(CUSTOMER.getName());
    List<UUID> walked =
        dsl.select(CUSTOMER.ID).from(walk).where(criteria.condition()).orderBy(order.orderBy()).limit(limit).fetch(CUSTOMER.ID);
    if (walked.size() >= limit
        || dsl.fetchCount(dsl.selectOne().from(CUSTOMER).where(tenant.and(position)).limit(NAME_WALK_BUDGET)) < NAME_WALK_BUDGET) {
      return rowsInOrder(caller, order, walked); // the page is full, or the walk reached the end: exact either way
    }
    // The matches are sparse at the start of the order. Take them from the
    // trigram index, reading only their ids and sort keys, up to
    // sortAllLimit of them, and sort those: when that is all of them, the
    // page is exact at a cost that follows the number of matches ("tremb",
    // 50,000 of them: 0.15 s instead of the 1.3 s of the planner's walk to
    // T). When there are more, sorting them all would cost more than walking
    // on: the planner's own plan does that. Planner settings are the only way to ask for the
    // first plan; SET LOCAL keeps them to this transaction.
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
      return CustomerRepository.selectRows(dsl, order.column()).where(where).orderBy(order.orderBy()).limit(limit).fetch();
    }
    return rowsInOrder(caller, order, page);
  }

  /** The customers with these ids, with their pricing, in the order. */
  private List<Record> rowsInOrder(Caller caller, SortOrder order, List<UUID> ids) {
    return CustomerRepository.selectRows(dsl, order.column())
        .where(CUSTOMER.TENANT_ID.eq(caller.tenantId()).and(CUSTOMER.ID.eq(any(ids.toArray(UUID[]::new)))))
        .orderBy(order.orderBy())
        .fetch();
  }

  /** How many customers match, counting no further than {@code limit}. */
  private long countUpTo(Condition where, int limit) {
    return dsl.select(count())
        .from(
            selectOne()
                .from(CUSTOMER)
                .where(where)
                .limit(inline(limit)))
        .fetchSingle(count());
  }
}
