package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.query;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.Caller;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/**
 * Totals the server could not count (its count budget ran out, forced here
 * by a budget of none): estimated from a sample of the tenant's own
 * customers, marked as estimates, and never below the matches seen. On a
 * busy machine this is what a back office gets, and it must not read
 * "about 11" for a thousand.
 */
class SearchUncountedTotalTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static Store store;
  private static CustomerSearch uncounted;

  @BeforeAll
  static void seed() {
    store = newStore(api);
    store.insertWithSql(1000, "Anne", "Bulkname");
    store.insertWithSql(300, "Bob", "Fewname");
    api.database().dsl().execute("analyze customer");
    uncounted = SearchFixtures.search(api, OrderWalk.SORT_ALL_LIMIT, TagWalk.BUDGET, CountBudget.NONE);
  }

  private static SearchCustomersResponse search(SearchCustomersRequest.Builder request) {
    return uncounted.search(new Caller(store.tenantId(), "CA", null), request.build());
  }

  @Test
  void anUncountedTotalOfASmallTenantIsItsWholeSamplesCount() {
    SearchCustomersResponse bulk = search(query("bulkname").setPageSize(10));
    SearchCustomersResponse few = search(query("fewname").setPageSize(10));

    // A tenant of 1,300 customers is sampled whole: the estimate is the count.
    assertThat(bulk.getTotalSizeExact()).isFalse();
    assertThat(bulk.getTotalSize()).isEqualTo(1000);
    assertThat(few.getTotalSizeExact()).isFalse();
    assertThat(few.getTotalSize()).isEqualTo(300);
  }

  @Test
  void anUncountedTotalIsNeverBelowTheMatchesSeen() {
    // The sample was read before these: it knows none of them.
    Store late = newStore(api);
    late.insertWithSql(5, "Carl", "Latename");
    SearchCustomersResponse first = uncounted.search(new Caller(late.tenantId(), "CA", null), query("latename").setPageSize(2).build());
    late.insertWithSql(40, "Carl", "Latename");
    SearchCustomersResponse again =
        uncounted.search(new Caller(late.tenantId(), "CA", null), query("latename").setPageSize(20).build());

    assertThat(first.getTotalSize()).isEqualTo(5);
    // 45 match now; the sample still holds 5; the page showed 20 and saw a 21st.
    assertThat(again.getTotalSizeExact()).isFalse();
    assertThat(again.getTotalSize()).isEqualTo(21);
  }

  @Test
  void filtersScaleTheTextsShareByThePlannersEstimate() {
    SearchCustomersResponse filtered = search(query("bulkname").setPageSize(10)
        .setFilter(CustomerFilter.newBuilder().addTagsNone("nothing")));

    assertThat(filtered.getTotalSizeExact()).isFalse();
    // Every customer passes the filter, as the planner's statistics tell.
    assertThat(filtered.getTotalSize()).isBetween(900L, 1000L);
  }

  @Test
  void theServersCountStillMakesSmallTotalsExact() {
    SearchCustomersResponse counted = store.search(query("fewname").setPageSize(10));

    assertThat(counted.getTotalSizeExact()).isTrue();
    assertThat(counted.getTotalSize()).isEqualTo(300);
  }
}
