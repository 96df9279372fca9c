package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.SearchCustomersResponse;

/**
 * A text search sorted by a name when the matches are sparse: more than
 * {@link OrderWalk#BUDGET} customers sort before the first
 * match, between two groups of matches, and after the last one, so the
 * bounded walk of the name index finds nothing and the search must take the
 * matches from the trigram index, page after page, in either direction.
 */
class SearchNameOrderFallbackTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Store store;
  private static List<Customer> bakers;
  private static List<Customer> duponts;
  private static Customer archivedBaker;
  private static Customer firstBaker;
  private static Customer firstDupont;

  @BeforeAll
  static void seed() {
    store = newStore(api);
    int filler = OrderWalk.BUDGET + 1;
    store.insertWithSql(filler, "Filler", "Aaron");
    store.insertWithSql(filler, "Filler", "Carter");
    store.insertWithSql(filler, "Filler", "Evans");
    bakers = new ArrayList<>();
    duponts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      bakers.add(store.create(person("Betty", "Baker").setCompany("Needlework Ltd")));
      duponts.add(store.create(person("Needle", "Dupont")));
    }
    firstBaker = bakers.getFirst();
    firstDupont = duponts.getFirst();
    archivedBaker = store.archive(store.create(person("Archie", "Baker").setEmail("needle@example.com")));
    bakers.sort(Comparator.comparing(Customer::getName));
    duponts.sort(Comparator.comparing(Customer::getName));
    // The planner's estimates should come from the real table, as in production.
    api.database().dsl().execute("analyze customer");
  }

  private static List<String> expectedAscending() {
    List<String> expected = new ArrayList<>(names(bakers));
    expected.addAll(names(duponts));
    return expected;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 50})
  void sparseMatchesComeInNameOrderPageAfterPage(int pageSize) {
    List<String> found = names(store.searchAll(query("needle").setOrderBy("last_name").setPageSize(pageSize)));

    assertThat(found).containsExactlyElementsOf(expectedAscending());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 50})
  void sparseMatchesComeInReverseNameOrderPageAfterPage(int pageSize) {
    List<String> found = names(store.searchAll(query("needle").setOrderBy("last_name desc").setPageSize(pageSize)));

    assertThat(found).containsExactlyElementsOf(expectedAscending().reversed());
  }

  @ParameterizedTest
  @ValueSource(strings = {"last_name", "last_name desc"})
  void moreMatchesThanItSortsAtOnceStillComeInOrder(String orderBy) {
    // Six matches, and a search that sorts at most two at once: it must walk on instead.
    CustomerSearch search = SearchFixtures.search(api, 2, TagWalk.BUDGET, CountBudget.unbounded());
    List<String> found = store.searchAll(search, query("needle").setOrderBy(orderBy).setPageSize(4));

    List<String> expected = orderBy.endsWith("desc") ? expectedAscending().reversed() : expectedAscending();
    assertThat(found).containsExactlyElementsOf(expected);
  }

  @Test
  void theFirstPageCountsTheSparseMatchesExactly() {
    SearchCustomersResponse first = store.search(query("needle").setOrderBy("last_name").setPageSize(2));

    assertThat(names(first.getCustomersList())).containsExactlyElementsOf(expectedAscending().subList(0, 2));
    assertThat(first.getTotalSize()).isEqualTo(6);
    assertThat(first.getTotalSizeExact()).isTrue();
  }

  @Test
  void filtersAndArchivedCustomersStillApplyToSparseMatches() {
    List<String> withArchived =
        names(store.searchAll(query("needle").setOrderBy("last_name").setShowDeleted(true).setPageSize(2)));
    // Bakers and Duponts were created in turns: from the first Dupont on, all but the first Baker.
    List<String> afterFirstBaker = names(store.searchAll(query("needle").setOrderBy("last_name").setPageSize(2)
        .setFilter(CustomerFilter.newBuilder().setCreateTimeFrom(firstDupont.getCreateTime()))));

    assertThat(withArchived).hasSize(7).contains(archivedBaker.getName());
    assertThat(withArchived.subList(4, 7)).containsExactlyElementsOf(names(duponts));
    assertThat(afterFirstBaker).containsExactlyElementsOf(
        expectedAscending().stream().filter(n -> !n.equals(firstBaker.getName())).toList());
  }

  @Test
  void aWordMatchingOnlyTheFillerStillWalksItInOrder() {
    List<Customer> found = store.searchAll(query("carter0200").setOrderBy("last_name").setPageSize(3));

    // The fillers are Carter00001 to Carter<budget + 1>, five digits.
    List<String> expected =
        java.util.stream.IntStream.rangeClosed(1, OrderWalk.BUDGET + 1)
            .mapToObj(i -> String.format("Carter%05d", i))
            .filter(name -> name.toLowerCase(java.util.Locale.ROOT).contains("carter0200"))
            .toList();
    assertThat(expected).isNotEmpty();
    assertThat(found).extracting(Customer::getLastName).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"last_name", "last_name desc"})
  void aWordWithTooManyMatchesToSortWalksFurtherAndStillComesInOrder(String orderBy) {
    // 10,001 Carters between as many Aarons and Evanses: a search that sorts at most
    // 5,000 matches at once expects too many, and walks the name index further first.
    CustomerSearch search = SearchFixtures.search(api, 5_000, TagWalk.BUDGET, CountBudget.unbounded());
    List<String> found = store.searchAll(search, query("carter").setOrderBy(orderBy).setPageSize(1000));

    String direction = orderBy.endsWith("desc") ? " desc" : "";
    List<String> expected = SearchFixtures.namesOfIds(api.database().dsl()
        .fetch("select id from customer where tenant_id = ?::uuid and delete_time is null and merged_into is null"
            + " and search_text like '%carter%' order by sort_last_name" + direction + ", id" + direction, store.tenantId().toString())
        .getValues(0, java.util.UUID.class));
    assertThat(expected).hasSize(OrderWalk.BUDGET + 1);
    assertThat(found).containsExactlyElementsOf(expected);
  }
}
