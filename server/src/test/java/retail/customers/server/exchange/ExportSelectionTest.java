package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.exchange.ExchangeFixtures.exportRequest;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.rows;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Errors;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.CustomerType;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.DiscountFilter;
import retail.customers.v1.DiscountRange;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;
import retail.customers.v1.TaxClass;

/**
 * An export holds what the same search finds (SPEC 5: "any search can be
 * exported"): the same text and filters, archived customers only when asked,
 * in the order asked; and refuses what the search refuses.
 */
class ExportSelectionTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Store store;
  private static CustomerType vip;
  private static TaxClass outOfProvince;

  /** Customers told apart by their Custom column (c01...), which the export shows and the search returns. */
  @BeforeAll
  static void seed() {
    store = newStore(api);
    store.createTaxClass("Standard", true);
    outOfProvince = store.createTaxClass("Out of province", false);
    vip = store.createType("VIP", "10", null);
    CustomerType student = store.createType("Student", null, null);
    store.create(person("c01", "Betty", "Smith").setCustomerType(vip.getName()).addTags("Woman").addTags("56 cm"));
    store.create(person("c02", "John", "Goldsmith").setCustomerType(student.getName()).setDiscountPercent("15")
        .addTags("Motorcyclist").setCompany("Acme"));
    store.create(person("c03", "Hélène", "Smithers").setTaxClass(outOfProvince.getName()).setDiscountPercent("5")
        .addTags("woman").setCompany("Zephyr"));
    store.create(person("c04", "Ann", "Lee").setCustomerType(vip.getName()).setDiscountPercent("20")
        .addTags("Woman").addTags("Motorcyclist"));
    Customer archived = store.create(person("c05", "Bob", "Smithson").setCompany("Bakery"));
    store.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(archived.getName()).build());
    store.create(person("c06", "Zoé", "Zed").setCustomerType(student.getName()).setEmail("zoe@smith.example"));
  }

  private static Customer.Builder person(String custom, String firstName, String lastName) {
    return Customer.newBuilder().setCustomIdentifier(custom).setFirstName(firstName).setLastName(lastName);
  }

  /** The Custom column of each exported row, in the file's order. */
  private static List<String> exported(ExportCustomersRequest.Builder request) {
    return rows(store.export(request)).stream().map(r -> r.get("Custom")).toList();
  }

  /** What SearchCustomers returns for the same text, filter, archived flag and order, walking all pages. */
  private static List<String> searched(ExportCustomersRequest.Builder export) {
    SearchCustomersRequest.Builder search =
        SearchCustomersRequest.newBuilder().setQuery(export.getQuery()).setFilter(export.getFilter())
            .setShowDeleted(export.getShowDeleted())
            .setOrderBy(export.getOrderBy().isEmpty() ? "last_name" : export.getOrderBy()).setPageSize(2);
    List<String> found = new ArrayList<>();
    while (true) {
      SearchCustomersResponse page = store.customers().searchCustomers(search.build());
      page.getCustomersList().forEach(c -> found.add(c.getCustomIdentifier()));
      if (page.getNextPageToken().isEmpty()) {
        return found;
      }
      search.setPageToken(page.getNextPageToken());
    }
  }

  private static void assertExportsLikeSearch(ExportCustomersRequest.Builder request, String... expected) {
    assertThat(exported(request)).containsExactly(expected);
    assertThat(searched(request)).containsExactly(expected);
  }

  @Test
  void withoutTextOrFilterEveryActiveCustomerIsExportedByLastName() {
    assertExportsLikeSearch(exportRequest(), "c02", "c04", "c01", "c03", "c06");
  }

  @Test
  void freeTextSelectsWhatTheSearchFindsAndLeavesArchivedCustomersOut() {
    assertExportsLikeSearch(exportRequest().setQuery("smith"), "c02", "c01", "c03", "c06");
    assertExportsLikeSearch(exportRequest().setQuery("HELENE"), "c03");
  }

  @Test
  void archivedCustomersAreExportedWhenAsked() {
    assertExportsLikeSearch(exportRequest().setQuery("smith").setShowDeleted(true), "c02", "c01", "c03", "c05", "c06");
    assertExportsLikeSearch(exportRequest().setShowDeleted(true), "c02", "c04", "c01", "c03", "c05", "c06");
  }

  @Test
  void filtersSelectWhatTheSearchSelects() {
    assertExportsLikeSearch(exportRequest().setFilter(CustomerFilter.newBuilder().addCustomerTypes(vip.getName())), "c04", "c01");
    assertExportsLikeSearch(exportRequest().setFilter(CustomerFilter.newBuilder().addCustomerTypes("customerTypes/-")), "c03");
    assertExportsLikeSearch(
        exportRequest().setFilter(CustomerFilter.newBuilder().setDiscount(
            DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("10")))),
        "c02", "c04");
    assertExportsLikeSearch(
        exportRequest().setFilter(CustomerFilter.newBuilder().setDiscount(DiscountFilter.newBuilder().setNone(true))),
        "c01", "c06");
    assertExportsLikeSearch(exportRequest().setFilter(CustomerFilter.newBuilder().addTaxClasses(outOfProvince.getName())), "c03");
    assertExportsLikeSearch(exportRequest().setFilter(CustomerFilter.newBuilder().addTagsNone("motorcyclist")), "c01", "c03", "c06");
  }

  @Test
  void textAndFiltersTogetherExportExactlyTheCustomersMatchingBoth() {
    assertExportsLikeSearch(exportRequest().setQuery("smith").setFilter(CustomerFilter.newBuilder().addTagsAll("WOMAN")),
        "c01", "c03");
    assertExportsLikeSearch(
        exportRequest().setQuery("smith").setShowDeleted(true)
            .setFilter(CustomerFilter.newBuilder().setDiscount(DiscountFilter.newBuilder().setNone(true))),
        "c01", "c05", "c06");
  }

  @Test
  void theOrderAskedIsTheOrderOfTheRows() {
    assertExportsLikeSearch(exportRequest().setOrderBy("first_name desc"), "c06", "c02", "c03", "c01", "c04");
    assertExportsLikeSearch(exportRequest().setOrderBy("create_time"), "c01", "c02", "c03", "c04", "c06");
    assertExportsLikeSearch(exportRequest().setOrderBy("create_time desc").setShowDeleted(true),
        "c06", "c05", "c04", "c03", "c02", "c01");
    // Customers without a company come last, ties by id: compare with the search only.
    assertThat(exported(exportRequest().setOrderBy("company"))).startsWith("c02", "c03")
        .isEqualTo(searched(exportRequest().setOrderBy("company")));
    assertThat(exported(exportRequest().setOrderBy("update_time desc"))).isEqualTo(searched(exportRequest().setOrderBy("update_time desc")));
  }

  /**
   * The export runs its SELECT with every value written into the SQL (COPY
   * takes no parameters), where the search binds them: both must read text
   * with quotes, backslashes and LIKE wildcards, and times to the
   * microsecond, the same way.
   */
  @Test
  void valuesWrittenIntoTheExportsSqlSelectWhatTheSearchsParametersSelect() {
    Store own = newStore(api);
    own.create(person("q1", "Owen", "O'Brien"));
    own.create(person("q2", "Back\\slash", "Percent%"));
    own.create(person("q3", "Under_score", "Quote\"d"));
    own.create(person("q4", "Plain", "Obrien"));
    List<Customer> timed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      timed.add(own.create(person("t" + i, "Timed", "Zz" + i)));
    }
    // Four customers a microsecond apart.
    OffsetDateTime base = OffsetDateTime.parse("2024-03-05T14:07:09.123456Z");
    for (int i = 0; i < timed.size(); i++) {
      api.database().dsl().update(CUSTOMER)
          .set(CUSTOMER.CREATE_TIME, base.plusNanos(1000L * i))
          .where(CUSTOMER.ID.eq(Customers.id(timed.get(i))))
          .execute();
    }
    Timestamp from = Timestamp.newBuilder()
        .setSeconds(base.toEpochSecond()).setNanos(123_456_500).build(); // half a microsecond after t0
    Timestamp to = from.toBuilder().setNanos(123_458_000).build(); // exactly t2

    assertOwnExportsLikeSearch(own, exportRequest().setQuery("o'brien"), "q1");
    assertOwnExportsLikeSearch(own, exportRequest().setQuery("back\\slash"), "q2");
    assertOwnExportsLikeSearch(own, exportRequest().setQuery("%"), "q2");
    assertOwnExportsLikeSearch(own, exportRequest().setQuery("_"), "q3");
    assertOwnExportsLikeSearch(own, exportRequest().setQuery("quote\"d"), "q3");
    assertOwnExportsLikeSearch(own, exportRequest().setQuery("'); delete from customer; --"));
    assertOwnExportsLikeSearch(own,
        exportRequest().setFilter(CustomerFilter.newBuilder().setCreateTimeFrom(from).setCreateTimeTo(to)), "t1");
    assertOwnExportsLikeSearch(own,
        exportRequest().setFilter(CustomerFilter.newBuilder().setCreateTimeFrom(from.toBuilder().setNanos(123_456_000))
            .setCreateTimeTo(to.toBuilder().setNanos(123_458_001))), "t0", "t1", "t2");
    assertOwnExportsLikeSearch(own,
        exportRequest().setFilter(CustomerFilter.newBuilder().addTagsNone("it's, back\\slash")),
        "q1", "q4", "q2", "q3", "t0", "t1", "t2", "t3");
    assertOwnExportsLikeSearch(own,
        exportRequest().setFilter(CustomerFilter.newBuilder().setDiscount(DiscountFilter.newBuilder().setNone(true)))
            .setQuery("timed zz1"), "t1");
  }

  private static void assertOwnExportsLikeSearch(Store own, ExportCustomersRequest.Builder request, String... expected) {
    Store saved = store;
    store = own;
    try {
      assertExportsLikeSearch(request, expected);
    } finally {
      store = saved;
    }
  }

  @Test
  void aBadFilterIsInvalidArgumentNamingTheField() {
    StatusRuntimeException e = failure(exportRequest().setFilter(CustomerFilter.newBuilder().addCustomerTypes("vip")));
    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("filter.customer_types[0]");

    e = failure(exportRequest().setFilter(CustomerFilter.newBuilder().setDiscount(DiscountFilter.newBuilder().setEquals("lots"))));
    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("filter.discount.equals");

    e = failure(exportRequest().setQuery("x".repeat(201)));
    assertThat(Errors.violatedFields(e)).containsExactly("query");
  }

  @ParameterizedTest
  @ValueSource(strings = {"shoe_size", "last_name sideways", "first_name desc extra"})
  void aBadOrderIsInvalidArgumentNamingOrderBy(String orderBy) {
    StatusRuntimeException e = failure(exportRequest().setOrderBy(orderBy));

    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("order_by");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not a token", "AAAA", "cDE"})
  void aBadResumeTokenIsInvalidArgumentNamingResumeToken(String token) {
    StatusRuntimeException e = failure(exportRequest().setResumeToken(token));

    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("resume_token");
    assertThat(Errors.reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }

  @Test
  void aFieldThisServerDoesNotKnowIsRefusedAsUnsupported() {
    UnknownFieldSet unknown =
        UnknownFieldSet.newBuilder().addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();

    StatusRuntimeException inRequest = failure(exportRequest().setUnknownFields(unknown));
    StatusRuntimeException inFilter =
        failure(exportRequest().setFilter(CustomerFilter.newBuilder().addTagsAll("Woman").setUnknownFields(unknown)));

    assertThat(Errors.code(inRequest)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.reason(inRequest)).isEqualTo("UNSUPPORTED_FIELD");
    assertThat(Errors.code(inFilter)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.reason(inFilter)).isEqualTo("UNSUPPORTED_FIELD");
    assertThat(Errors.violatedFields(inFilter)).containsExactly("filter");
  }

  @Test
  void aRejectedExportIsNotAudited() {
    int before = store.exportAudits().size();

    failure(exportRequest().setOrderBy("shoe_size"));

    assertThat(store.exportAudits()).hasSize(before);
  }

  @Test
  void anUnknownKeyIsUnauthenticated() {
    StatusRuntimeException e = Errors.failure(
        () -> api.customers("not-a-key").exportCustomers(exportRequest().build()).hasNext());

    assertThat(Errors.code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  private static StatusRuntimeException failure(ExportCustomersRequest.Builder request) {
    return Errors.failure(() -> store.customers().exportCustomers(request.build()).hasNext());
  }
}
