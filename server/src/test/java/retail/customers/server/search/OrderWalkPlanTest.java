package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.search.SearchFixtures.newStore;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.CustomerFilter;

/**
 * The bounded walk stops at its page's last match on the plan made once for
 * it, whatever the planner expects. The case that matters is one tenant
 * holding the table, as in a store's own installation: the plan then expects
 * the walk to be read whole, and the text to match one customer in 200. Had
 * the page been joined to its pricing in the walk's own statement, that
 * plan hashed every walked customer against the customer types and sorted
 * the matches: a page of "tin" read 10,000 customers instead of 1,900.
 */
class OrderWalkPlanTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static final int CUSTOMERS = 2 * OrderWalk.BUDGET;
  private static final Pattern ACTUAL_ROWS = Pattern.compile("actual[^)]*rows=([0-9.]+)");

  private static Store store;

  @BeforeAll
  static void seed() {
    store = newStore(api);
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name, create_time, update_time)"
            + " select ?::uuid, gen_random_uuid(), 'IMPORT', 'Anne', 'Walker' || n, timestamptz '2024-01-01' + n * interval '1 minute', now()"
            + " from generate_series(1, ?) n",
        store.tenantId().toString(), CUSTOMERS);
    api.database().dsl().execute("vacuum analyze customer");
  }

  @ParameterizedTest
  @CsvSource({"'', customer_create_time_ix", "last_name, customer_last_name_ix"})
  void theWalkReadsNoFurtherThanItsPage(String orderBy, String index) {
    SearchCriteria criteria = SearchCriteria.parse("anne", CustomerFilter.getDefaultInstance(), false);
    SortOrder order = SortOrder.parse(orderBy, true);
    OrderWalk walk = new OrderWalk(api.database().dsl(), api.database().cachedPlans(), OrderWalk.SORT_ALL_LIMIT);
    Select<?> statement = walk.walk(CUSTOMER.TENANT_ID.eq(store.tenantId()), criteria, order, 51, OrderWalk.BUDGET);

    List<String> plan = genericPlan(api.database().dsl(), statement);

    String walked = plan.stream().filter(line -> line.contains("using " + index)).findFirst().orElseThrow(
        () -> new AssertionError("no walk of " + index + " in " + String.join("\n", plan)));
    Matcher rows = ACTUAL_ROWS.matcher(walked);
    assertThat(rows.find()).as(walked).isTrue();
    assertThat(Double.parseDouble(rows.group(1))).as(String.join("\n", plan)).isEqualTo(51);
  }

  /**
   * How the statement runs on a plan made without its values, as on the
   * cached-plans pool: prepared with numbered parameters, executed with its
   * own values, and explained.
   */
  private static List<String> genericPlan(DSLContext dsl, Select<?> statement) {
    String[] parts = dsl.render(statement).split("\\?", -1);
    StringBuilder sql = new StringBuilder(parts[0]);
    for (int i = 1; i < parts.length; i++) {
      sql.append('$').append(i).append(parts[i]);
    }
    List<String> values = statement.getBindValues().stream().map(value -> dsl.renderInlined(DSL.inline(value))).toList();
    return dsl.transactionResult(c -> {
      DSLContext tx = c.dsl();
      tx.execute("set local plan_cache_mode = force_generic_plan");
      tx.execute("prepare walk as " + sql);
      try {
        return tx.fetch("explain (analyze, timing off) execute walk(" + String.join(", ", values) + ")").getValues(0, String.class);
      } finally {
        tx.execute("deallocate walk");
      }
    });
  }
}
