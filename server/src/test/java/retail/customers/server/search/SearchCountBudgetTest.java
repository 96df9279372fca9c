package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.condition;
import static retail.customers.db.Tables.CUSTOMER;

import java.sql.SQLWarning;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.jooq.ExecuteListener;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;

/**
 * The count behind an exact total stops at its time budget: statistics can
 * take 30,000 matches for 100, and the search must not spend 100 ms
 * counting them. The budget applies to that statement alone.
 */
class SearchCountBudgetTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @BeforeAll
  static void seed() {
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name)"
            + " select ?, gen_random_uuid(), 'IMPORT', 'Anne', 'Counted' || n from generate_series(1, 300) n",
        api.tenantA().tenantId());
  }

  private static CustomerSearch search() {
    return SearchFixtures.search(api, OrderWalk.SORT_ALL_LIMIT, TagWalk.BUDGET, CountBudget.unbounded());
  }

  @Test
  void aCountWithinItsBudgetIsExact() {
    OptionalLong counted = search().countUpTo(CUSTOMER.TENANT_ID.eq(api.tenantA().tenantId()), 1001, Duration.ofSeconds(5));

    assertThat(counted).hasValue(300);
  }

  @Test
  void aCountPastItsBudgetGivesUpWithoutFailing() {
    // Every row takes a millisecond to test: 300 ms in all, for a budget of 20 ms.
    var slow = CUSTOMER.TENANT_ID.eq(api.tenantA().tenantId()).and(condition("pg_sleep(0.001) is not null"));

    OptionalLong counted = search().countUpTo(slow, 1001, Duration.ofMillis(20));

    assertThat(counted).isEmpty();
  }

  /** The budget is set without a warning: SET LOCAL outside a transaction block put one in the database's log on every count. */
  @Test
  void aCountLeavesNoWarning() {
    List<SQLWarning> warnings = new CopyOnWriteArrayList<>();
    DSLContext watched = DSL.using(api.database().dsl().configuration()
        .derive(ExecuteListener.onWarning(ctx -> warnings.add(ctx.sqlWarning()))));
    CustomerSearch search = new CustomerSearch(watched, api.database().cachedPlans(), Clock.systemUTC(), CountBudget.unbounded());

    OptionalLong counted = search.countUpTo(CUSTOMER.TENANT_ID.eq(api.tenantA().tenantId()), 1001, Duration.ofSeconds(5));

    assertThat(counted).hasValue(300);
    assertThat(warnings).isEmpty();
  }

  @Test
  void theBudgetIsTheMultipleOfThePagesTimeWithinItsBounds() {
    CountBudget budget = new CountBudget(Duration.ofMillis(10), 8, Duration.ofMillis(100));

    assertThat(budget.forPage(Duration.ofMillis(4))).isEqualTo(Duration.ofMillis(32));
    assertThat(budget.forPage(Duration.ofNanos(300_000))).isEqualTo(Duration.ofMillis(10));
    assertThat(budget.forPage(Duration.ofMillis(40))).isEqualTo(Duration.ofMillis(100));
    assertThat(CountBudget.NONE.counts()).isFalse();
    assertThat(CountBudget.DEFAULT.counts()).isTrue();
  }

  @Test
  void theBudgetDoesNotOutliveItsStatement() {
    var slow = CUSTOMER.TENANT_ID.eq(api.tenantA().tenantId()).and(condition("pg_sleep(0.001) is not null"));
    for (int i = 0; i < 10; i++) {
      search().countUpTo(slow, 1001, Duration.ofMillis(20));
    }

    // Every connection of the pool keeps the server's own statement timeout (30 s in tests).
    for (int i = 0; i < 10; i++) {
      assertThat(api.database().dsl().fetchValue("show statement_timeout")).isEqualTo("30s");
    }
  }
}
