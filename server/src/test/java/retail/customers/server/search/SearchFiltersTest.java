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

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.CustomerType;
import retail.customers.v1.DiscountFilter;
import retail.customers.v1.DiscountRange;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.TaxClass;

/** Structured filters (SPEC 4), alone, with the text and with each other. */
class SearchFiltersTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static SearchCustomersRequest.Builder filter(CustomerFilter.Builder filter) {
    return SearchCustomersRequest.newBuilder().setFilter(filter);
  }

  private static List<String> found(Store store, SearchCustomersRequest.Builder request) {
    return names(store.searchAll(request));
  }

  private static StatusRuntimeException invalid(Store store, SearchCustomersRequest.Builder request) {
    StatusRuntimeException e = failure(() -> store.search(request));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    return e;
  }

  // ---- customer types ----

  @Test
  void customerTypesFindsCustomersOfAnyOfTheTypes() {
    Store store = newStore(api);
    CustomerType vip = store.createType(CustomerType.newBuilder().setDisplayName("VIP"));
    CustomerType student = store.createType(CustomerType.newBuilder().setDisplayName("Student"));
    CustomerType staff = store.createType(CustomerType.newBuilder().setDisplayName("Staff"));
    Customer a = store.create(person("Ann", "Able").setCustomerType(vip.getName()));
    Customer b = store.create(person("Bob", "Baker").setCustomerType(student.getName()));
    Customer c = store.create(person("Carl", "Cole").setCustomerType(staff.getName()));
    Customer untyped = store.create(person("Dana", "Dunn"));

    assertThat(found(store, filter(CustomerFilter.newBuilder().addCustomerTypes(vip.getName())))).containsExactly(a.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addCustomerTypes(vip.getName()).addCustomerTypes(student.getName()))))
        .containsExactly(a.getName(), b.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addCustomerTypes("customerTypes/-")))).containsExactly(untyped.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addCustomerTypes(staff.getName()).addCustomerTypes("customerTypes/-"))))
        .containsExactly(c.getName(), untyped.getName());
  }

  @Test
  void customerTypesOfAnotherStoreFindNothing() {
    Store store = newStore(api);
    Store other = newStore(api);
    CustomerType theirs = other.createType(CustomerType.newBuilder().setDisplayName("VIP"));
    other.create(person("Their", "Customer").setCustomerType(theirs.getName()));
    store.create(person("Our", "Customer"));

    assertThat(found(store, filter(CustomerFilter.newBuilder().addCustomerTypes(theirs.getName())))).isEmpty();
  }

  @Test
  void malformedCustomerTypeIsInvalidNamingItsIndex() {
    Store store = newStore(api);

    StatusRuntimeException e =
        invalid(store, filter(CustomerFilter.newBuilder().addCustomerTypes("customerTypes/-").addCustomerTypes("VIP")));

    assertThat(violations(e)).containsOnlyKeys("filter.customer_types[1]");
  }

  @Test
  void moreThan100CustomerTypesIsInvalid() {
    Store store = newStore(api);
    List<String> many = Collections.nCopies(101, "customerTypes/-");

    StatusRuntimeException e = invalid(store, filter(CustomerFilter.newBuilder().addAllCustomerTypes(many)));

    assertThat(violations(e)).containsOnlyKeys("filter.customer_types");
  }

  // ---- created time ----

  @Test
  void createTimeRangeIncludesItsStartAndExcludesItsEnd() {
    Store store = newStore(api);
    Customer first = store.create(person("Ann", "Able"));
    Customer second = store.create(person("Bob", "Baker"));
    Customer third = store.create(person("Carl", "Cole"));
    assertThat(Timestamps.compare(first.getCreateTime(), second.getCreateTime())).isLessThan(0);
    assertThat(Timestamps.compare(second.getCreateTime(), third.getCreateTime())).isLessThan(0);

    assertThat(found(store, filter(CustomerFilter.newBuilder().setCreateTimeFrom(second.getCreateTime()))))
        .containsExactly(second.getName(), third.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().setCreateTimeTo(second.getCreateTime()))))
        .containsExactly(first.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().setCreateTimeFrom(first.getCreateTime()).setCreateTimeTo(third.getCreateTime()))))
        .containsExactly(first.getName(), second.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder()
            .setCreateTimeFrom(second.getCreateTime())
            .setCreateTimeTo(Timestamps.add(second.getCreateTime(), com.google.protobuf.util.Durations.fromNanos(1000))))))
        .containsExactly(second.getName());
  }

  @Test
  void createTimeBoundsFinerThanTheStoredMicrosecondsStillCompareExactly() {
    Store store = newStore(api);
    Customer customer = store.create(person("Ann", "Able"));
    // PostgreSQL keeps microseconds; a client may send nanoseconds.
    Timestamp justAfter = Timestamps.add(customer.getCreateTime(), com.google.protobuf.util.Durations.fromNanos(400));

    assertThat(found(store, filter(CustomerFilter.newBuilder().setCreateTimeFrom(justAfter))))
        .as("created before the start").isEmpty();
    assertThat(found(store, filter(CustomerFilter.newBuilder().setCreateTimeTo(justAfter))))
        .as("created before the end").containsExactly(customer.getName());
  }

  @Test
  void createTimeRangeEndingBeforeItStartsIsInvalid() {
    Store store = newStore(api);
    Timestamp now = Timestamps.now();

    StatusRuntimeException e = invalid(store, filter(CustomerFilter.newBuilder().setCreateTimeFrom(now).setCreateTimeTo(now)));

    assertThat(violations(e)).containsOnlyKeys("filter.create_time_to");
  }

  @Test
  void createTimeOutsideTheTimestampRangeIsInvalid() {
    Store store = newStore(api);
    Timestamp bad = Timestamp.newBuilder().setSeconds(Long.MAX_VALUE / 2).build();

    StatusRuntimeException e =
        invalid(store, filter(CustomerFilter.newBuilder().setCreateTimeFrom(bad).setCreateTimeTo(Timestamp.newBuilder().setNanos(-1))));

    assertThat(violations(e)).containsOnlyKeys("filter.create_time_from", "filter.create_time_to");
  }

  // ---- discount ----

  private record Discounts(Customer none, Customer ten, Customer fifteen, Customer fifteenHalf, Customer twenty, Customer hundred,
      Customer typed) {}

  private static Discounts discounts(Store store) {
    CustomerType thirty = store.createType(CustomerType.newBuilder().setDisplayName("Thirty").setDiscountPercent("30"));
    return new Discounts(
        store.create(person("No", "Discount")),
        store.create(person("Ten", "Discount").setDiscountPercent("10")),
        store.create(person("Fifteen", "Discount").setDiscountPercent("15")),
        store.create(person("FifteenHalf", "Discount").setDiscountPercent("15.5")),
        store.create(person("Twenty", "Discount").setDiscountPercent("20")),
        store.create(person("Hundred", "Discount").setDiscountPercent("100")),
        // The type's discount is not the customer's own: the filter is on the own discount.
        store.create(person("Typed", "Discount").setCustomerType(thirty.getName())));
  }

  private static SearchCustomersRequest.Builder discount(DiscountFilter.Builder discount) {
    return filter(CustomerFilter.newBuilder().setDiscount(discount));
  }

  @Test
  void discountNoneFindsCustomersWithoutADiscountOfTheirOwn() {
    Store store = newStore(api);
    Discounts d = discounts(store);

    assertThat(found(store, discount(DiscountFilter.newBuilder().setNone(true)))).containsExactlyInAnyOrder(d.none.getName(), d.typed.getName());
  }

  @Test
  void discountEqualsMatchesTheDecimalValue() {
    Store store = newStore(api);
    Discounts d = discounts(store);

    assertThat(found(store, discount(DiscountFilter.newBuilder().setEquals("15")))).containsExactly(d.fifteen.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setEquals("15.00")))).containsExactly(d.fifteen.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setEquals("15.5")))).containsExactly(d.fifteenHalf.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setEquals("100")))).containsExactly(d.hundred.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setEquals("30")))).isEmpty();
  }

  @Test
  void discountRangeWithMinOnlyMaxOnlyOrBothIsInclusive() {
    Store store = newStore(api);
    Discounts d = discounts(store);

    assertThat(found(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("15")))))
        .containsExactlyInAnyOrder(d.fifteen.getName(), d.fifteenHalf.getName(), d.twenty.getName(), d.hundred.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMax("15")))))
        .containsExactlyInAnyOrder(d.ten.getName(), d.fifteen.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("10").setMax("15.5")))))
        .containsExactlyInAnyOrder(d.ten.getName(), d.fifteen.getName(), d.fifteenHalf.getName());
    assertThat(found(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("0").setMax("100")))))
        .containsExactlyInAnyOrder(d.ten.getName(), d.fifteen.getName(), d.fifteenHalf.getName(), d.twenty.getName(), d.hundred.getName());
  }

  @Test
  void invalidDiscountValuesAreInvalidNamingTheField() {
    Store store = newStore(api);

    for (String bad : List.of("abc", "101", "-1", "1.234", "")) {
      assertThat(violations(invalid(store, discount(DiscountFilter.newBuilder().setEquals(bad)))))
          .as("equals %s", bad).containsOnlyKeys("filter.discount.equals");
    }
    assertThat(violations(invalid(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("x").setMax("200"))))))
        .containsOnlyKeys("filter.discount.range.min", "filter.discount.range.max");
    assertThat(violations(invalid(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("20").setMax("10"))))))
        .containsOnlyKeys("filter.discount.range");
    assertThat(violations(invalid(store, discount(DiscountFilter.newBuilder().setRange(DiscountRange.getDefaultInstance())))))
        .containsOnlyKeys("filter.discount.range");
    assertThat(violations(invalid(store, discount(DiscountFilter.newBuilder().setNone(false)))))
        .containsOnlyKeys("filter.discount.none");
  }

  // ---- tax classes ----

  @Test
  void taxClassesFilterOnTheEffectiveTaxClass() {
    Store store = newStore(api);
    TaxClass standard = store.createTaxClass("Standard", true);
    TaxClass outOfProvince = store.createTaxClass("Out of province", false);
    TaxClass exempt = store.createTaxClass("Exempt", false);
    CustomerType export = store.createType(CustomerType.newBuilder().setDisplayName("Export").setTaxClass(outOfProvince.getName()));
    CustomerType student = store.createType(CustomerType.newBuilder().setDisplayName("Student"));
    Customer own = store.create(person("Own", "Exempt").setCustomerType(export.getName()).setTaxClass(exempt.getName()));
    Customer fromType = store.create(person("Type", "Export").setCustomerType(export.getName()));
    Customer typeWithout = store.create(person("Type", "Student").setCustomerType(student.getName()));
    Customer plain = store.create(person("Plain", "Customer"));
    Customer ownOut = store.create(person("Own", "Out").setTaxClass(outOfProvince.getName()));
    // What a register applies is what the filter selects on.
    assertThat(List.of(own, fromType, typeWithout, plain, ownOut)).extracting(Customer::getEffectiveTaxClass)
        .containsExactly(exempt.getName(), outOfProvince.getName(), standard.getName(), standard.getName(), outOfProvince.getName());

    assertThat(found(store, filter(CustomerFilter.newBuilder().addTaxClasses(exempt.getName())))).containsExactly(own.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTaxClasses(outOfProvince.getName()))))
        .containsExactlyInAnyOrder(fromType.getName(), ownOut.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTaxClasses(standard.getName()))))
        .containsExactlyInAnyOrder(typeWithout.getName(), plain.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTaxClasses(standard.getName()).addTaxClasses(exempt.getName()))))
        .containsExactlyInAnyOrder(own.getName(), typeWithout.getName(), plain.getName());
  }

  @Test
  void withoutAStoreDefaultACustomerWithNoTaxClassMatchesNone() {
    Store store = newStore(api);
    TaxClass reduced = store.createTaxClass("Reduced", false);
    Customer own = store.create(person("Own", "Reduced").setTaxClass(reduced.getName()));
    store.create(person("No", "Class"));

    assertThat(found(store, filter(CustomerFilter.newBuilder().addTaxClasses(reduced.getName())))).containsExactly(own.getName());
  }

  @Test
  void malformedTaxClassIsInvalidNamingItsIndex() {
    Store store = newStore(api);

    StatusRuntimeException e = invalid(store, filter(CustomerFilter.newBuilder().addTaxClasses("Standard")));

    assertThat(violations(e)).containsOnlyKeys("filter.tax_classes[0]");
  }

  // ---- tags ----

  private record Tagged(Customer woman56, Customer man56, Customer womanRider, Customer untagged) {}

  private static Tagged tagged(Store store) {
    return new Tagged(
        store.create(person("Ann", "Able").addTags("56 cm").addTags("Woman")),
        store.create(person("Bob", "Baker").addTags("56 cm").addTags("Man")),
        store.create(person("Carla", "Cole").addTags("woman").addTags("Motorcyclist")),
        store.create(person("Dan", "Dunn")));
  }

  @Test
  void tagsAllRequiresEveryTagIgnoringCase() {
    Store store = newStore(api);
    Tagged t = tagged(store);

    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll("WOMAN"))))
        .containsExactly(t.woman56.getName(), t.womanRider.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll("56 CM").addTagsAll("woman"))))
        .containsExactly(t.woman56.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll("56 cm").addTagsAll("Motorcyclist")))).isEmpty();
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll("56")))).as("a tag is matched whole").isEmpty();
  }

  @Test
  void tagsMayBeGivenAsOneCommaSeparatedString() {
    Store store = newStore(api);
    Tagged t = tagged(store);

    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll("56 cm, Woman")))).containsExactly(t.woman56.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll(" woman ,motorcyclist,")))).containsExactly(t.womanRider.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsNone("Woman, Man")))).containsExactly(t.untagged.getName());
  }

  @Test
  void tagsNoneExcludesCustomersWithAnyOfTheTags() {
    Store store = newStore(api);
    Tagged t = tagged(store);

    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsNone("woman"))))
        .containsExactly(t.man56.getName(), t.untagged.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsNone("MOTORCYCLIST").addTagsNone("56 cm"))))
        .containsExactly(t.untagged.getName());
    assertThat(found(store, filter(CustomerFilter.newBuilder().addTagsAll("woman").addTagsNone("motorcyclist"))))
        .containsExactly(t.woman56.getName());
  }

  @Test
  void tooLongOrTooManyFilterTagsAreInvalid() {
    Store store = newStore(api);

    assertThat(violations(invalid(store, filter(CustomerFilter.newBuilder().addTagsAll("ok").addTagsAll("x".repeat(51))))))
        .containsOnlyKeys("filter.tags_all[1]");
    String fiftyOne = String.join(",", IntStream.rangeClosed(1, 51).mapToObj(i -> "tag" + i).toList());
    assertThat(violations(invalid(store, filter(CustomerFilter.newBuilder().addTagsNone(fiftyOne)))))
        .containsOnlyKeys("filter.tags_none");
  }

  // ---- archived ----

  @Test
  void archivedCustomersAreLeftOutUnlessShowDeleted() {
    Store store = newStore(api);
    Customer active = store.create(person("Ann", "Able"));
    Customer archived = store.archive(store.create(person("Anna", "Archer")));

    assertThat(found(store, query("ann"))).containsExactly(active.getName());
    assertThat(found(store, query("ann").setShowDeleted(true))).containsExactlyInAnyOrder(active.getName(), archived.getName());
    assertThat(found(store, SearchCustomersRequest.newBuilder())).containsExactly(active.getName());
    assertThat(found(store, SearchCustomersRequest.newBuilder().setShowDeleted(true)))
        .containsExactly(active.getName(), archived.getName());
  }

  // ---- combinations ----

  @Test
  void filtersCombineWithTheTextAndWithEachOther() {
    Store store = newStore(api);
    CustomerType vip = store.createType(CustomerType.newBuilder().setDisplayName("VIP"));
    Customer match =
        store.create(person("Betty", "Smith").setCustomerType(vip.getName()).setDiscountPercent("15").addTags("Woman"));
    store.create(person("Betty", "Smith").setDiscountPercent("15").addTags("Woman")); // no type
    store.create(person("Betty", "Smith").setCustomerType(vip.getName()).setDiscountPercent("5").addTags("Woman")); // discount
    store.create(person("Betty", "Smith").setCustomerType(vip.getName()).setDiscountPercent("15")); // no tag
    store.create(person("Betty", "Jones").setCustomerType(vip.getName()).setDiscountPercent("15").addTags("Woman")); // text
    store.create(person("Betty", "Smith").setCustomerType(vip.getName()).setDiscountPercent("15").addTags("Woman").addTags("Banned"));
    store.archive(store.create(person("Betty", "Smith").setCustomerType(vip.getName()).setDiscountPercent("15").addTags("Woman")));
    CustomerFilter.Builder all =
        CustomerFilter.newBuilder()
            .addCustomerTypes(vip.getName())
            .setDiscount(DiscountFilter.newBuilder().setRange(DiscountRange.newBuilder().setMin("10").setMax("20")))
            .addTagsAll("woman")
            .addTagsNone("banned")
            .setCreateTimeFrom(match.getCreateTime());

    assertThat(found(store, query("smith betty").setFilter(all))).containsExactly(match.getName());
    assertThat(found(store, filter(all.clone().addTagsAll("nobody")))).isEmpty();
  }

  @Test
  void theTaxClassFilterCombinesWithTheTextAndOtherFilters() {
    Store store = newStore(api);
    TaxClass exempt = store.createTaxClass("Exempt", false);
    Customer match = store.create(person("Betty", "Smith").setTaxClass(exempt.getName()).addTags("Woman"));
    store.create(person("Betty", "Jones").setTaxClass(exempt.getName()).addTags("Woman")); // text
    store.create(person("Betty", "Smith").addTags("Woman")); // tax class
    store.create(person("Betty", "Smith").setTaxClass(exempt.getName())); // tag
    store.create(person("Betty", "Smith").setTaxClass(exempt.getName()).addTags("Woman").setDiscountPercent("5")); // discount

    CustomerFilter.Builder filter = CustomerFilter.newBuilder()
        .addTaxClasses(exempt.getName())
        .addTagsAll("Woman")
        .setDiscount(DiscountFilter.newBuilder().setNone(true));
    assertThat(found(store, query("smith").setFilter(filter))).containsExactly(match.getName());
  }

  @Test
  void everyInvalidFilterIsNamedInOneError() {
    Store store = newStore(api);

    StatusRuntimeException e =
        invalid(store, query("x".repeat(201)).setFilter(CustomerFilter.newBuilder()
            .addCustomerTypes("nope")
            .addTaxClasses("nope")
            .setDiscount(DiscountFilter.newBuilder().setEquals("lots"))
            .addTagsAll("y".repeat(51))));

    assertThat(violations(e)).containsOnlyKeys(
        "query", "filter.customer_types[0]", "filter.tax_classes[0]", "filter.discount.equals", "filter.tags_all[0]");
  }

  /** A NUL went on to PostgreSQL, which refuses it in text: the search failed with INTERNAL (found by WireBytesFuzzTest). */
  @Test
  void filterTagsWithControlCharactersAreInvalidNamingTheElement() {
    Store store = newStore(api);

    assertThat(violations(invalid(store, filter(CustomerFilter.newBuilder().addTagsAll("vip").addTagsAll("a\u0000b")))))
        .containsOnlyKeys("filter.tags_all[1]");
    assertThat(violations(invalid(store, filter(CustomerFilter.newBuilder().addTagsNone("line\nbreak")))))
        .containsOnlyKeys("filter.tags_none[0]");
  }

  // ---- fields this server does not know ----

  private static UnknownFieldSet unknownField() {
    return UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
  }

  @Test
  void aFilterFieldThisServerDoesNotKnowIsRefusedNotIgnored() {
    Store store = newStore(api);
    store.create(person("Ann", "Able"));
    CustomerFilter newer = CustomerFilter.newBuilder().addTagsAll("vip").build().toBuilder().setUnknownFields(unknownField()).build();

    StatusRuntimeException e = failure(() -> store.search(SearchCustomersRequest.newBuilder().setFilter(newer)));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("UNSUPPORTED_FIELD");
    assertThat(violations(e)).containsOnlyKeys("filter");
  }

  @Test
  void anUnknownFieldInsideTheDiscountFilterOrTheRequestIsRefused() {
    Store store = newStore(api);
    DiscountFilter discount = DiscountFilter.newBuilder().setNone(true).setUnknownFields(unknownField()).build();
    SearchCustomersRequest request = SearchCustomersRequest.newBuilder().setUnknownFields(unknownField()).build();

    StatusRuntimeException nested =
        failure(() -> store.search(SearchCustomersRequest.newBuilder().setFilter(CustomerFilter.newBuilder().setDiscount(discount))));
    StatusRuntimeException top = failure(() -> store.customers().searchCustomers(request));

    assertThat(reason(nested)).isEqualTo("UNSUPPORTED_FIELD");
    assertThat(violations(nested)).containsOnlyKeys("filter.discount");
    assertThat(code(top)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(top)).isEqualTo("UNSUPPORTED_FIELD");
  }
}
