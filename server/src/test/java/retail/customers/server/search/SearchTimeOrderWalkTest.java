package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.query;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;

/**
 * Free text in time order that the planner expects to be common walks the
 * time index within bounds ({@link OrderWalk}), and takes the trigram
 * index's matches when the newest {@link OrderWalk#BUDGET} customers hold
 * none: 3,000 Oldtimers, then more than the budget of newer Newcomers. A
 * word the sample finds rare (30 Rarebirds among them, half of them tagged
 * Flock) is found through the trigram index, in a query written so that the
 * planner cannot walk, on a plan made once; a rare word too short for the
 * trigram index (5 named Xu) on a plan made for it. Pages hold exactly what
 * the plain SQL finds, in its order, every way.
 */
class SearchTimeOrderWalkTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Store store;

  @BeforeAll
  static void seed() {
    store = newStore(api);
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name, create_time, update_time)"
            + " select ?::uuid, gen_random_uuid(), 'IMPORT', 'Anne', case when n <= 3000 then 'Oldtimer' else 'Newcomer' end,"
            + "   timestamptz '2024-01-01' + (n / 3) * interval '1 minute', timestamptz '2025-01-01' + n * interval '1 second'"
            + " from generate_series(1, ?) n",
        store.tenantId().toString(), 3000 + OrderWalk.BUDGET + 500);
    api.database().dsl().execute(
        "update customer set first_name = 'Rarebird' where id in"
            + " (select id from customer where tenant_id = ?::uuid and last_name = 'Newcomer' order by id limit 30)",
        store.tenantId().toString());
    api.database().dsl().execute(
        "update customer set tags = array['Flock'] where id in"
            + " (select id from customer where tenant_id = ?::uuid and first_name = 'Rarebird' order by id limit 15)",
        store.tenantId().toString());
    api.database().dsl().execute(
        "update customer set last_name = 'Xu' where id in"
            + " (select id from customer where tenant_id = ?::uuid and last_name = 'Newcomer' order by id desc limit 5)",
        store.tenantId().toString());
    api.database().dsl().execute("vacuum analyze customer");
  }

  private static List<String> plainSql(String word, String orderBy) {
    return plainSql(word, "true", orderBy);
  }

  private static List<String> plainSql(String word, String condition, String orderBy) {
    return SearchFixtures.namesOfIds(api.database().dsl()
        .fetch("select id from customer where tenant_id = ?::uuid and delete_time is null and merged_into is null"
            + " and search_text like '%' || customer_normalize(?) || '%' and " + condition + " order by " + orderBy,
            store.tenantId().toString(), word)
        .getValues(0, UUID.class));
  }

  @ParameterizedTest
  @CsvSource({
    "oldtimer, create_time desc, 'create_time desc, id desc'",
    "oldtimer, update_time desc, 'update_time desc, id desc'",
    "newcomer, create_time desc, 'create_time desc, id desc'",
    "newcomer, create_time, 'create_time, id'",
    "anne, create_time desc, 'create_time desc, id desc'",
    "rarebird, create_time desc, 'create_time desc, id desc'",
    "rarebird, update_time, 'update_time, id'",
    "xu, create_time desc, 'create_time desc, id desc'",
    "xu, update_time, 'update_time, id'"})
  void everyPageHoldsWhatThePlainQueryFinds(String word, String orderBy, String sqlOrder) {
    List<String> expected = plainSql(word, sqlOrder);
    assertThat(expected).isNotEmpty();
    SearchCriteria criteria = SearchCriteria.parse(word, retail.customers.v1.CustomerFilter.getDefaultInstance(), false);
    double share = new SearchStatistics(api.database().dsl(), java.time.Clock.systemUTC()).share(word, criteria::textMatchesSample);
    // Each word takes the path the test is about: walked when common, found through the trigram index when rare.
    assertThat(share >= CustomerSearch.WALK_SHARE).isEqualTo(!word.equals("rarebird") && !word.equals("xu"));

    for (int pageSize : new int[] {50, 1000}) {
      assertThat(names(store.searchAll(query(word).setOrderBy(orderBy).setPageSize(pageSize))))
          .as("page size %d", pageSize).containsExactlyElementsOf(expected);
    }
    // With fewer matches sorted at once than there are, the search walks on instead.
    CustomerSearch sortingFew = SearchFixtures.search(api, 100, TagWalk.BUDGET, CountBudget.unbounded());
    assertThat(store.searchAll(sortingFew, query(word).setOrderBy(orderBy).setPageSize(500))).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "FLOCK, , 'tag_keys @> customer_normalize_tags(array[''Flock''])'",
    ", flock, 'not tag_keys && customer_normalize_tags(array[''Flock''])'"})
  void aRareWordWithTagFiltersFindsWhatThePlainQueryFinds(String tagsAll, String tagsNone, String condition) {
    // The tags' keys are computed once per statement on the plan made once, as the words' patterns are.
    List<String> expected = plainSql("rarebird", condition, "create_time desc, id desc");
    assertThat(expected).hasSize(15);
    retail.customers.v1.CustomerFilter.Builder filter = retail.customers.v1.CustomerFilter.newBuilder();
    if (tagsAll != null) {
      filter.addTagsAll(tagsAll);
    }
    if (tagsNone != null) {
      filter.addTagsNone(tagsNone);
    }
    for (int pageSize : new int[] {4, 50}) {
      assertThat(names(store.searchAll(query("rarebird").setFilter(filter).setPageSize(pageSize))))
          .as("page size %d", pageSize).containsExactlyElementsOf(expected);
    }
  }

  @org.junit.jupiter.api.Test
  void theTotalOfFreeTextAloneIsTheSamplesShareOfTheTenantsCustomers() {
    // Every customer is an Anne, an Oldtimer one in 4.5: estimated, not counted, with no filter to ask the planner about.
    int customers = 3000 + OrderWalk.BUDGET + 500;
    retail.customers.v1.SearchCustomersResponse anne = store.search(query("anne"));
    assertThat(anne.getTotalSizeExact()).isFalse();
    assertThat(anne.getTotalSize()).isBetween((long) (customers * 0.95), (long) (customers * 1.05));
    retail.customers.v1.SearchCustomersResponse oldtimer = store.search(query("oldtimer"));
    assertThat(oldtimer.getTotalSizeExact()).isFalse();
    assertThat(oldtimer.getTotalSize()).isBetween(2000L, 4000L);
    // A rarer word is counted.
    retail.customers.v1.SearchCustomersResponse rarebird = store.search(query("rarebird").setPageSize(10));
    assertThat(rarebird.getTotalSizeExact()).isTrue();
    assertThat(rarebird.getTotalSize()).isEqualTo(30);
  }
}
