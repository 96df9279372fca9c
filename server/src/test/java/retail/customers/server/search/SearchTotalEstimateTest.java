package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/** Totals of searches that match far more than 1,000 customers: estimated, not counted. */
class SearchTotalEstimateTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @BeforeAll
  static void seed() {
    // 30,000 customers named Smith and 3,000 named Jones, written as an import's COPY would.
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name)"
            + " select ?, gen_random_uuid(), 'IMPORT', 'Anne', case when n % 11 = 0 then 'Jones' else 'Smith' end"
            + " from generate_series(1, 33000) n",
        api.tenantA().tenantId());
    api.database().dsl().execute("analyze customer");
  }

  private static SearchCustomersResponse search(String query) {
    return api.customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery(query).setPageSize(10).build());
  }

  @Test
  void aWordMatchingTensOfThousandsGetsAnEstimateMarkedAsSuch() {
    SearchCustomersResponse smiths = search("smith");

    assertThat(smiths.getCustomersCount()).isEqualTo(10);
    assertThat(smiths.getTotalSizeExact()).isFalse();
    // The true count is 30,000; the planner's estimate comes from a sample.
    assertThat(smiths.getTotalSize()).isBetween(15_000L, 45_000L);
  }

  @Test
  void aWordMatchingThousandsIsCountedUpTo1000() {
    SearchCustomersResponse joneses = search("jones");

    assertThat(joneses.getTotalSizeExact()).isFalse();
    assertThat(joneses.getTotalSize()).isGreaterThan(1000);
  }
}
