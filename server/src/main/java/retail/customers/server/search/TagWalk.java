package retail.customers.server.search;

import static org.jooq.impl.DSL.any;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.lateral;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.select;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TAG;
import static retail.customers.db.Tables.TAGGED_CUSTOMER;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import retail.customers.server.customer.CustomerRepository;

/**
 * Tag filters in creation order: the customers of the rarest required tag,
 * walked in that order in {@code tagged_customer} (an index-only scan that
 * tests the free text on the index entries), each candidate checked against
 * every condition on its customer row. A page of "VIP" customers named
 * Elizabeth reads the 4,000 newest VIP entries, where the time index would
 * read 20,000 customers and the two GIN indexes the tag's whole list.
 *
 * <p>The walk stops after {@link #BUDGET} entries. When it has not filled
 * the page by then (and the tag has more entries than that), the matches are
 * sparse among the tag's customers and the caller searches otherwise (the
 * trigram index finds rare words directly). The caller does not walk at all
 * for words its statistics find rare.
 */
final class TagWalk {
  /**
   * Tag entries walked at most: at about 0.2 µs each, 2 ms. A page of 50
   * fills within it when one customer of the tag in 200 matches.
   */
  static final int BUDGET = 10_000;

  private final DSLContext dsl;
  private final int budget;

  /** @param dsl a context on cached plans: the walk's SQL fixes its plan */
  TagWalk(DSLContext dsl, int budget) {
    this.dsl = dsl;
    this.budget = budget;
  }

  /** Whether this is the search's strategy: required tags, in creation order. */
  static boolean applies(SearchCriteria criteria, SortOrder order) {
    return !criteria.tagsAll().isEmpty() && order.key() == SortOrder.Key.CREATE_TIME;
  }

  /**
   * The first {@code limit} matches after {@code position} (null: from the
   * start), if the walk finds that many within its budget.
   */
  Optional<List<Found>> page(UUID tenant, SearchCriteria search, SortOrder order, List<String> position, int limit) {
    SearchCriteria criteria = search.forCachedPlan();
    // The rarest of the required tags, by the kept counts: one lookup, once per statement.
    Field<String> tagKey =
        field(select(CUSTOMER_TAG.TAG_KEY)
            .from(CUSTOMER_TAG)
            .where(CUSTOMER_TAG.TENANT_ID.eq(tenant), CUSTOMER_TAG.TAG_KEY.eq(any(SearchCriteria.normalizedTags(criteria.tagsAll()))))
            .orderBy(CUSTOMER_TAG.CUSTOMER_COUNT, CUSTOMER_TAG.TAG_KEY)
            .limit(inline(1)));
    Field<Long> tagCustomers =
        field(select(CUSTOMER_TAG.CUSTOMER_COUNT)
            .from(CUSTOMER_TAG)
            .where(CUSTOMER_TAG.TENANT_ID.eq(tenant), CUSTOMER_TAG.TAG_KEY.eq(tagKey)));
    Condition from =
        position == null ? noCondition() : order.after(position, TAGGED_CUSTOMER.CREATE_TIME, TAGGED_CUSTOMER.CUSTOMER_ID);
    var walkOrder = order.orderBy(TAGGED_CUSTOMER.CREATE_TIME, TAGGED_CUSTOMER.CUSTOMER_ID);
    // The LIMIT bounds the entries read, not the matches: PostgreSQL cannot
    // push the text test below it, so it filters what the walk streams out.
    Table<?> walk =
        dsl.select(TAGGED_CUSTOMER.CUSTOMER_ID, TAGGED_CUSTOMER.CREATE_TIME, TAGGED_CUSTOMER.SEARCH_TEXT)
            .from(TAGGED_CUSTOMER)
            .where(TAGGED_CUSTOMER.TENANT_ID.eq(tenant), TAGGED_CUSTOMER.TAG_KEY.eq(tagKey), from)
            .orderBy(walkOrder)
            .limit(inline(budget))
            .asTable("walk");
    Field<String> walkedText = walk.field(TAGGED_CUSTOMER.SEARCH_TEXT);
    // A text too long for the walk's index is null there: its customer row decides.
    Condition textMayMatch = criteria.hasText() ? walkedText.isNull().or(criteria.text(walkedText)) : noCondition();
    // Each entry the walk keeps looks its customer up by primary key, in
    // the walk's order, until the page is full: a lateral subquery that
    // cannot be merged into the join (OFFSET 0), so that a plan made without
    // the values cannot read the tag's and the word's customers from their
    // indexes instead (40 ms for VIP and a common first name).
    Table<?> customers =
        walk.crossJoin(lateral(CustomerRepository.asCustomers(
                dsl.select(CUSTOMER.asterisk())
                    .from(CUSTOMER)
                    .where(CUSTOMER.TENANT_ID.eq(tenant), CUSTOMER.ID.eq(walk.field(TAGGED_CUSTOMER.CUSTOMER_ID)))
                    .offset(inline(0)))));
    // Each row also reads how many customers carry the walked tag.
    List<Found.Counted> rows =
        CustomerRepository.fetch(
            CustomerRepository.selectRows(dsl, customers, order.column(), tagCustomers)
                .where(textMayMatch, criteria.condition())
                .orderBy(order.orderBy(walk.field(TAGGED_CUSTOMER.CREATE_TIME), walk.field(TAGGED_CUSTOMER.CUSTOMER_ID)))
                .limit(inline(limit)),
            rs -> Found.Counted.read(rs, order));
    // Short of the page, the result is still whole if the walk read every entry the tag has.
    boolean whole = !rows.isEmpty() && rows.getFirst().count() != null && rows.getFirst().count() <= budget;
    return rows.size() >= limit || whole ? Optional.of(rows.stream().map(Found.Counted::found).toList()) : Optional.empty();
  }
}
