package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.ListValue;
import com.google.protobuf.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.CustomerView;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/** Keyset pages, page tokens, page sizes and the total (SPEC 4, AIP-158). */
class SearchPagingTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** A store with 1,005 customers: 1,000 named "Bulk…" and 5 named "Extra…". */
  private static Store large;

  @BeforeAll
  static void seedLargeStore() {
    large = newStore(api);
    large.insertWithSql(1000, "Bulk", "Bulkname");
    large.insertWithSql(5, "Extra", "Extraname");
  }

  private static SearchCustomersRequest.Builder byLastName(int pageSize) {
    return SearchCustomersRequest.newBuilder().setOrderBy("last_name").setPageSize(pageSize);
  }

  // ---- walking pages ----

  @ParameterizedTest
  @ValueSource(strings = {"last_name", "last_name desc", "first_name", "company desc", "create_time", "create_time desc",
      "update_time", "update_time desc"})
  void walkingEveryPageReturnsEveryMatchExactlyOnceInOrder(String orderBy) {
    Store store = newStore(api);
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      // Several customers share each name, so that ties cross page boundaries.
      created.add(store.create(person("Betty", "Name" + (i % 3)).setCompany(i % 2 == 0 ? "Acme" : "")).getName());
    }
    store.create(person("Other", "Person"));
    List<String> onePage = names(store.search(query("betty").setOrderBy(orderBy).setPageSize(1000)).getCustomersList());

    for (int pageSize : List.of(1, 2, 3, 4, 11)) {
      List<String> walked = names(store.searchAll(query("betty").setOrderBy(orderBy).setPageSize(pageSize)));
      assertThat(walked).as("page size %d", pageSize).containsExactlyElementsOf(onePage);
    }
    assertThat(onePage).containsExactlyInAnyOrderElementsOf(created);
  }

  @Test
  void aFullPageSaysSoAndTheLastPageHasNoToken() {
    Store store = newStore(api);
    for (String last : List.of("Able", "Baker", "Cole", "Dunn")) {
      store.create(person("X", last));
    }

    SearchCustomersResponse first = store.search(byLastName(2));
    SearchCustomersResponse second = store.search(byLastName(2).setPageToken(first.getNextPageToken()));

    assertThat(first.getCustomersList()).extracting(Customer::getLastName).containsExactly("Able", "Baker");
    assertThat(first.getNextPageToken()).isNotEmpty();
    assertThat(second.getCustomersList()).extracting(Customer::getLastName).containsExactly("Cole", "Dunn");
    assertThat(second.getNextPageToken()).isEmpty();
  }

  @Test
  void customersAddedWhilePagingCauseNoDuplicateAndNoGap() {
    Store store = newStore(api);
    List<String> existing = new ArrayList<>();
    for (String last : List.of("Baker", "Dunn", "Fox", "Hill", "Jones", "Lamb", "Nash")) {
      existing.add(store.create(person("X", last)).getName());
    }

    SearchCustomersResponse first = store.search(byLastName(3));
    assertThat(first.getCustomersList()).extracting(Customer::getLastName).containsExactly("Baker", "Dunn", "Fox");
    // Two before the position (A…, E…) and two after it (G…, Z…).
    Customer beforeA = store.create(person("X", "Able"));
    Customer beforeE = store.create(person("X", "Eddy"));
    Customer after = store.create(person("X", "Gray"));
    Customer last = store.create(person("X", "Zorn"));
    List<String> rest = names(store.searchAll(byLastName(3).setPageToken(first.getNextPageToken())));

    List<String> seen = new ArrayList<>(names(first.getCustomersList()));
    seen.addAll(rest);
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).containsAll(existing);
    assertThat(seen).doesNotContain(beforeA.getName(), beforeE.getName());
    assertThat(rest).containsExactly(after.getName(), existing.get(3), existing.get(4), existing.get(5), existing.get(6), last.getName());
  }

  @Test
  void newestFirstPagingDoesNotRepeatOrSkipWhenCustomersAreAdded() {
    Store store = newStore(api);
    List<String> existing = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      existing.add(store.create(person("Betty", "N" + i)).getName());
    }

    SearchCustomersResponse first = store.search(query("betty").setPageSize(2));
    Customer added = store.create(person("Betty", "Newest"));
    List<String> seen = new ArrayList<>(names(first.getCustomersList()));
    seen.addAll(names(store.searchAll(query("betty").setPageSize(2).setPageToken(first.getNextPageToken()))));

    assertThat(seen).containsExactlyElementsOf(existing.reversed());
    assertThat(seen).doesNotContain(added.getName());
  }

  @Test
  void archivingACustomerAlreadyShownDoesNotPushOthersOutOfTheNextPage() {
    Store store = newStore(api);
    List<Customer> customers = new ArrayList<>();
    for (String last : List.of("Able", "Baker", "Cole", "Dunn", "Eddy")) {
      customers.add(store.create(person("X", last)));
    }

    SearchCustomersResponse first = store.search(byLastName(2));
    store.archive(customers.get(0));
    SearchCustomersResponse second = store.search(byLastName(2).setPageToken(first.getNextPageToken()));

    assertThat(second.getCustomersList()).extracting(Customer::getLastName).containsExactly("Cole", "Dunn");
  }

  @Test
  void aTokenMayBeUsedWithAnotherPageSize() {
    Store store = newStore(api);
    for (String last : List.of("Able", "Baker", "Cole", "Dunn", "Eddy")) {
      store.create(person("X", last));
    }

    SearchCustomersResponse first = store.search(byLastName(1));
    SearchCustomersResponse rest = store.search(byLastName(10).setPageToken(first.getNextPageToken()));

    assertThat(rest.getCustomersList()).extracting(Customer::getLastName).containsExactly("Baker", "Cole", "Dunn", "Eddy");
  }

  // ---- bad tokens ----

  private static void assertInvalidPageToken(StatusRuntimeException e) {
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }

  @ParameterizedTest
  @ValueSource(strings = {"garbage", "not a token!", "AAAA", "cDE"})
  void aGarbagePageTokenIsInvalid(String token) {
    assertInvalidPageToken(failure(() -> large.search(byLastName(2).setPageToken(token))));
  }

  @Test
  void aWellFormedTokenWithAForgedPositionIsInvalid() {
    SearchCustomersResponse first = large.search(byLastName(2));
    ListValue real = parse(first.getNextPageToken());
    ListValue forged = real.toBuilder().setValues(3, Value.newBuilder().setStringValue("not-a-uuid")).build();
    ListValue shortened = real.toBuilder().removeValues(3).build();

    assertInvalidPageToken(failure(() -> large.search(byLastName(2).setPageToken(encode(forged)))));
    assertInvalidPageToken(failure(() -> large.search(byLastName(2).setPageToken(encode(shortened)))));
  }

  private static ListValue parse(String token) {
    try {
      return ListValue.parseFrom(Base64.getUrlDecoder().decode(token));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static String encode(ListValue token) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token.toByteArray());
  }

  @Test
  void aTokenUsedWithAnotherQueryIsInvalid() {
    SearchCustomersResponse first = large.search(query("bulk").setPageSize(2));
    String token = first.getNextPageToken();

    assertInvalidPageToken(failure(() -> large.search(query("extra").setPageSize(2).setPageToken(token))));
    assertInvalidPageToken(failure(() -> large.search(query("bulk").setOrderBy("last_name").setPageSize(2).setPageToken(token))));
    assertInvalidPageToken(failure(() -> large.search(query("bulk").setShowDeleted(true).setPageSize(2).setPageToken(token))));
    assertInvalidPageToken(failure(() -> large.search(
        query("bulk").setFilter(CustomerFilter.newBuilder().addTagsAll("x")).setPageSize(2).setPageToken(token))));
    assertInvalidPageToken(failure(() -> large.search(
        query("bulk").setView(CustomerView.CUSTOMER_VIEW_REGISTER).setPageSize(2).setPageToken(token))));
  }

  @Test
  void aTokenUsedByAnotherTenantIsInvalid() {
    SearchCustomersResponse first = large.search(byLastName(2));
    Store other = newStore(api);
    other.insertWithSql(5, "Bulk", "Bulkname");

    assertInvalidPageToken(failure(() -> other.search(byLastName(2).setPageToken(first.getNextPageToken()))));
  }

  // ---- page size ----

  @Test
  void pageSizeDefaultsTo50AndIsCappedAt1000() {
    assertThat(large.search(SearchCustomersRequest.newBuilder()).getCustomersCount()).isEqualTo(50);
    SearchCustomersResponse capped = large.search(byLastName(5000));
    assertThat(capped.getCustomersCount()).isEqualTo(1000);
    assertThat(capped.getNextPageToken()).isNotEmpty();
    assertThat(large.search(byLastName(5000).setPageToken(capped.getNextPageToken())).getCustomersList())
        .extracting(Customer::getFirstName).containsOnly("Extra").hasSize(5);
  }

  @Test
  void aNegativePageSizeIsInvalid() {
    StatusRuntimeException e = failure(() -> large.search(byLastName(-1)));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("page_size");
  }

  // ---- total size ----

  @Test
  void totalSizeIsExactForSmallResultsOnTheFirstPageOnly() {
    Store store = newStore(api);
    for (String last : List.of("Able", "Baker", "Cole")) {
      store.create(person("Betty", last));
    }
    store.create(person("Other", "Dunn"));

    SearchCustomersResponse onePage = store.search(query("betty"));
    SearchCustomersResponse first = store.search(query("betty").setPageSize(2));
    SearchCustomersResponse second = store.search(query("betty").setPageSize(2).setPageToken(first.getNextPageToken()));
    SearchCustomersResponse none = store.search(query("nobody"));

    assertThat(onePage.getTotalSize()).isEqualTo(3);
    assertThat(onePage.getTotalSizeExact()).isTrue();
    assertThat(first.getTotalSize()).isEqualTo(3);
    assertThat(first.getTotalSizeExact()).isTrue();
    assertThat(second.getTotalSize()).isZero();
    assertThat(none.getTotalSize()).isZero();
    assertThat(none.getTotalSizeExact()).isTrue();
  }

  @Test
  void totalSizeIsCountedUpTo1000AndEstimatedBeyond() {
    SearchCustomersResponse everyone = large.search(query("name").setPageSize(10));
    SearchCustomersResponse exactlyThousand = large.search(query("bulk").setPageSize(10));
    SearchCustomersResponse allOnOnePage = large.search(query("bulk").setPageSize(1000));
    SearchCustomersResponse filtered = large.search(query("bulk").setOrderBy("last_name").setPageSize(10)
        .setFilter(CustomerFilter.newBuilder().addTagsNone("nothing")));

    // 1,005 Bulknames and Extranames, over 1,000: not counted further; the
    // total is the planner's estimate, never below 1,001.
    assertThat(everyone.getTotalSize()).isGreaterThan(1000);
    assertThat(everyone.getTotalSizeExact()).isFalse();
    assertThat(exactlyThousand.getTotalSize()).isEqualTo(1000);
    assertThat(exactlyThousand.getTotalSizeExact()).isTrue();
    assertThat(allOnOnePage.getTotalSize()).isEqualTo(1000);
    assertThat(allOnOnePage.getTotalSizeExact()).isTrue();
    assertThat(allOnOnePage.getNextPageToken()).isEmpty();
    assertThat(filtered.getTotalSize()).isEqualTo(1000);
    assertThat(filtered.getTotalSizeExact()).isTrue();
  }

  @Test
  void walkingAThousandMatchesInLargePagesReturnsEachOnce() {
    List<Customer> all = large.searchAll(query("bulkname").setOrderBy("last_name desc").setPageSize(300));

    Set<String> unique = new HashSet<>(names(all));
    assertThat(all).hasSize(1000);
    assertThat(unique).hasSize(1000);
    assertThat(all.getFirst().getLastName()).isEqualTo("Bulkname01000");
    assertThat(all.getLast().getLastName()).isEqualTo("Bulkname00001");
  }
}
