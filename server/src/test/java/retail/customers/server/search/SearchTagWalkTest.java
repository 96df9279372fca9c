package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/**
 * Required tags in creation order walk the rarest tag's customers
 * ({@link TagWalk}), and fall back to the plain query when the matches are
 * sparse among them. Either way, every page holds exactly what the plain
 * SQL of the same criteria finds, in its order.
 */
class SearchTagWalkTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Store store;
  private static Customer longText;

  @BeforeAll
  static void seed() {
    store = newStore(api);
    // 3,000 customers, created one minute apart but in pairs at the same
    // instant (the id breaks the tie): every third is an Anne, one in 300 a
    // Zelda; 40% VIP, 10% Runner, one in 20 archived.
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name, tags, create_time, delete_time)"
            + " select ?::uuid, gen_random_uuid(), 'IMPORT',"
            + "   case when n % 300 = 7 then 'Zelda' when n % 3 = 0 then 'Anne' else 'Bob' end, 'Walker' || n,"
            + "   array_remove(array[case when n % 5 < 2 then 'VIP' end, case when n % 10 = 3 then 'Runner' end], null),"
            + "   timestamptz '2024-01-01' + (n / 2) * interval '1 minute',"
            + "   case when n % 20 = 11 then now() end"
            + " from generate_series(1, 3000) n",
        store.tenantId().toString());
    // A search text too long for the walk's index: the walk must still find it.
    String wide = "𠀋".repeat(100);
    String email = "anne@" + "b".repeat(60) + "." + "c".repeat(60) + "." + "d".repeat(60) + "." + "e".repeat(40) + ".com";
    longText = store.create(person(wide, wide).setCompany("𠀋".repeat(200)).setEmail(email).setSecondaryEmail("x" + email)
        .addTags("VIP"));
    api.database().dsl().execute("vacuum analyze customer");
    api.database().dsl().execute("vacuum analyze tagged_customer");
  }

  /** What the plain SQL of the same criteria finds, in the same order: the oracle. */
  private static List<String> plainSql(String word, List<String> tags, List<String> tagsNone, boolean showDeleted, boolean newest) {
    List<String> tagsAll = tags.stream().flatMap(t -> Stream.of(t.split(","))).map(String::strip).toList();
    String sql = "select id from customer where tenant_id = ?::uuid and merged_into is null"
        + (showDeleted ? "" : " and delete_time is null")
        + " and tag_keys @> customer_normalize_tags(?::text[])"
        + (tagsNone.isEmpty() ? "" : " and not tag_keys && customer_normalize_tags(?::text[])")
        + (word.isEmpty() ? "" : " and search_text like '%' || customer_normalize(?) || '%'")
        + (newest ? " order by create_time desc, id desc" : " order by create_time, id");
    List<Object> binds = new ArrayList<>(List.of(store.tenantId().toString(), tagsAll.toArray(String[]::new)));
    if (!tagsNone.isEmpty()) {
      binds.add(tagsNone.toArray(String[]::new));
    }
    if (!word.isEmpty()) {
      binds.add(word);
    }
    return SearchFixtures.namesOfIds(api.database().dsl().fetch(sql, binds.toArray()).getValues(0, java.util.UUID.class));
  }

  private static SearchCustomersRequest.Builder request(
      String word, List<String> tagsAll, List<String> tagsNone, boolean showDeleted, boolean newest) {
    return query(word)
        .setOrderBy(newest ? "create_time desc" : "create_time")
        .setShowDeleted(showDeleted)
        .setFilter(CustomerFilter.newBuilder().addAllTagsAll(tagsAll).addAllTagsNone(tagsNone));
  }

  static Stream<Arguments> searches() {
    return Stream.of(
        // dense: an Anne in three VIPs
        Arguments.of("anne", List.of("VIP"), List.of(), false, true),
        Arguments.of("anne", List.of("vip"), List.of(), false, false),
        // no text: the tag alone
        Arguments.of("", List.of("Runner"), List.of(), false, true),
        // two tags: the rarer is walked, the other checked on the customer
        Arguments.of("anne", List.of("VIP", "Runner"), List.of(), false, true),
        Arguments.of("", List.of("Runner, VIP"), List.of(), true, false),
        // sparse: one Zelda in 300
        Arguments.of("zelda", List.of("VIP"), List.of(), false, true),
        Arguments.of("zelda", List.of("VIP"), List.of(), true, false),
        // excluded tags and archived customers
        Arguments.of("bob", List.of("VIP"), List.of("Runner"), true, true),
        Arguments.of("", List.of("VIP"), List.of("Runner"), false, false),
        // nobody
        Arguments.of("nobody", List.of("VIP"), List.of(), false, true),
        Arguments.of("anne", List.of("NoSuchTag"), List.of(), false, true),
        Arguments.of("anne", List.of("VIP", "NoSuchTag"), List.of(), false, true));
  }

  @ParameterizedTest
  @MethodSource("searches")
  void everyPageHoldsWhatThePlainQueryFinds(String word, List<String> tagsAll, List<String> tagsNone, boolean showDeleted, boolean newest) {
    List<String> expected = plainSql(word, tagsAll, tagsNone, showDeleted, newest);
    for (int pageSize : new int[] {7, 50, 1000}) {
      List<String> found = names(store.searchAll(request(word, tagsAll, tagsNone, showDeleted, newest).setPageSize(pageSize)));
      assertThat(found).as("page size %d", pageSize).containsExactlyElementsOf(expected);
    }
  }

  @ParameterizedTest
  @MethodSource("searches")
  void aWalkTooShortForThePageFallsBackAndStillFindsEverything(
      String word, List<String> tagsAll, List<String> tagsNone, boolean showDeleted, boolean newest) {
    List<String> expected = plainSql(word, tagsAll, tagsNone, showDeleted, newest);
    // 30 entries: dense pages of 7 fill within it, sparse ones and pages of 50 do not.
    for (int pageSize : new int[] {7, 50}) {
      List<String> found = store.searchAll(SearchFixtures.search(api, OrderWalk.SORT_ALL_LIMIT, 30, CountBudget.unbounded()),
          request(word, tagsAll, tagsNone, showDeleted, newest).setPageSize(pageSize));
      assertThat(found).as("page size %d", pageSize).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void theWalkFindsACustomerWhoseTextIsTooLongForItsIndex() {
    List<String> found = names(store.searchAll(request("anne@bbb", List.of("VIP"), List.of(), false, true)));

    assertThat(found).containsExactly(longText.getName());
  }

  @Test
  void aFullPageFromTheWalkHasAnEstimatedTotal() {
    SearchCustomersResponse first = store.search(request("anne", List.of("VIP"), List.of(), false, true).setPageSize(10));

    int matches = plainSql("anne", List.of("VIP"), List.of(), false, true).size();
    assertThat(first.getCustomersCount()).isEqualTo(10);
    assertThat(first.getTotalSizeExact()).isFalse();
    // The planner's estimate: the right order of magnitude, never below what the page shows.
    assertThat(first.getTotalSize()).isGreaterThan(10).isBetween(matches / 3L, matches * 3L);
  }

  @Test
  void customersCreatedWhilePagingNeitherRepeatNorShiftLaterPages() {
    Store own = newStore(api);
    List<Customer> created = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      created.add(own.create(person("Anne", "Early" + i).addTags("VIP")));
    }
    SearchCustomersRequest.Builder request = query("anne").setPageSize(5).setFilter(CustomerFilter.newBuilder().addTagsAll("VIP"));
    SearchCustomersResponse first = own.search(request);
    own.create(person("Anne", "Late").addTags("VIP"));
    List<Customer> rest = own.searchAll(request.clone().setPageToken(first.getNextPageToken()));

    List<String> all = new ArrayList<>(names(first.getCustomersList()));
    all.addAll(names(rest));
    assertThat(new HashSet<>(all)).hasSize(all.size());
    assertThat(all).containsExactlyElementsOf(names(created).reversed());
  }
}
