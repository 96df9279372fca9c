package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.CustomerFilter;

/** How common a free text is, judged on the planner's sample as the planner judges a LIKE. */
class SearchStatisticsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static double share(SearchStatistics statistics, String query) {
    SearchCriteria criteria = SearchCriteria.parse(query, CustomerFilter.getDefaultInstance(), false);
    return statistics.share(query, criteria::textMatchesSample);
  }

  @Test
  void sharesFollowTheSampleOnceTheTableIsAnalysed() {
    // As the server reads them: as its serving role, which row-level security holds.
    SearchStatistics before = new SearchStatistics(api.serving().dsl(), Clock.systemUTC());
    assertThat(share(before, "smith")).as("no statistics yet").isNegative();

    // 20,000 customers: a quarter Smiths, one in a hundred Hélène, every one with a distinct number.
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name, custom_identifier)"
            + " select ?, gen_random_uuid(), 'IMPORT', case when n % 100 = 0 then 'Hélène' else 'Anne' end,"
            + " case when n % 4 = 0 then 'Smith' else 'Jones' end, 'L' || (1000000 + n) from generate_series(1, 20000) n",
        api.tenantA().tenantId());
    api.database().dsl().execute("analyze customer");
    TestClock clock = new TestClock();
    SearchStatistics after = new SearchStatistics(api.serving().dsl(), clock);

    assertThat(share(after, "smith")).isCloseTo(0.25, within(0.08));
    assertThat(share(after, "mith jones")).as("every word must match").isZero();
    assertThat(share(after, "HELENE")).as("folded like the search text").isCloseTo(0.01, within(0.02));
    assertThat(share(after, "anne")).isCloseTo(0.99, within(0.02));
    assertThat(share(after, "L1012345")).as("one customer in 20,000").isLessThan(CustomerSearch.WALK_SHARE);
    assertThat(share(after, "nobody")).isZero();

    // A share is remembered for its key until the sample is read again.
    AtomicInteger tested = new AtomicInteger();
    Predicate<String> smith = text -> tested.incrementAndGet() > 0 && text.contains("smith");
    double first = after.share("smith?", smith);
    int once = tested.get();
    assertThat(once).as("tested on the sample").isPositive();
    assertThat(after.share("smith?", smith)).isEqualTo(first);
    assertThat(tested.get()).as("remembered").isEqualTo(once);
    clock.advance(SearchStatistics.TIME_TO_LIVE.plusSeconds(1));
    assertThat(after.share("smith?", smith)).isEqualTo(first);
    assertThat(tested.get()).as("tested again on the sample read again").isEqualTo(2 * once);
  }
}
