package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.type.Date;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.Address;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.PricingSource;

/**
 * SPEC section 7 on CreateCustomer: every bad field is INVALID_ARGUMENT with
 * reason INVALID_FIELDS and a BadRequest violation naming it; good input comes
 * back in its stored form.
 */
class CustomerValidationTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Customer create(Customer.Builder customer) {
    return Customers.create(api.customers(), customer);
  }

  private static Customer createAsB(Customer.Builder customer) {
    return Customers.create(api.customers(api.tenantB().key()), customer);
  }

  /** Asserts that creating {@code customer} as {@code stub} fails naming exactly {@code fields}. */
  private static void assertRejected(CustomerServiceBlockingStub stub, Customer.Builder customer, String... fields) {
    StatusRuntimeException e = failure(() -> Customers.create(stub, customer));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_FIELDS");
    assertThat(violations(e)).as("violations of %s", e.getStatus().getDescription()).containsOnlyKeys(fields);
  }

  private static void assertRejected(Customer.Builder customer, String... fields) {
    assertRejected(api.customers(), customer, fields);
  }

  private static Customer.Builder withAddress(Customer.Builder customer, Function<Address.Builder, Address.Builder> change) {
    return customer.setAddress(change.apply(customer.getAddress().toBuilder()));
  }

  @Test
  void validCustomerIsAccepted() {
    Customer created = create(Customers.valid());
    assertThat(created.getFirstName()).isEqualTo("Betty");
  }

  @Test
  void outputOnlyFieldsOfTheInputAreIgnored() {
    Customer created =
        create(Customers.valid()
            .setName("customers/" + UUID.randomUUID())
            .setEtag("\"42\"")
            .setArchived(true)
            .setMergedInto("customers/" + UUID.randomUUID())
            .setEffectiveDiscountPercent("50")
            .setEffectiveDiscountSource(PricingSource.PRICING_SOURCE_CUSTOMER)
            .setEffectiveTaxClass("taxClasses/" + UUID.randomUUID())
            .setCreateTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1)));

    assertThat(created.getArchived()).isFalse();
    assertThat(created.hasDeleteTime()).isFalse();
    assertThat(created.getMergedInto()).isEmpty();
    assertThat(created.hasEffectiveDiscountPercent()).isFalse();
    assertThat(created.getEffectiveTaxClass()).isEmpty();
    assertThat(created.getCreateTime().getSeconds()).isGreaterThan(1);
    assertThat(created.getEtag()).isNotEqualTo("\"42\"");
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(created);
  }

  @Test
  void textIsTrimmed() {
    Customer created = create(Customers.valid().setFirstName("  Betty \t").setCompany(" Acme "));
    assertThat(created.getFirstName()).isEqualTo("Betty");
    assertThat(created.getCompany()).isEqualTo("Acme");
  }

  // ---- e-mail ----

  @ParameterizedTest
  @ValueSource(strings = {"betty", "betty@", "@example.com", "betty@example", "bet ty@example.com", "betty@@example.com"})
  void emailThatIsNotAnAddressIsRejected(String email) {
    assertRejected(Customers.valid().setEmail(email), "customer.email");
    assertRejected(Customers.valid().setSecondaryEmail(email), "customer.secondary_email");
  }

  @Test
  void emailDomainIsStoredInLowerCase() {
    Customer created = create(Customers.valid().setEmail(" Betty@Example.COM ").setSecondaryEmail("B@Work.Example.Org"));
    assertThat(created.getEmail()).isEqualTo("Betty@example.com");
    assertThat(created.getSecondaryEmail()).isEqualTo("B@work.example.org");
  }

  // ---- phones ----

  static Stream<Arguments> phoneFields() {
    return Stream.of(
        phoneField("home_phone", Customer.Builder::setHomePhone, Customer::getHomePhone),
        phoneField("work_phone", Customer.Builder::setWorkPhone, Customer::getWorkPhone),
        phoneField("mobile_phone", Customer.Builder::setMobilePhone, Customer::getMobilePhone),
        phoneField("pager", Customer.Builder::setPager, Customer::getPager),
        phoneField("fax", Customer.Builder::setFax, Customer::getFax));
  }

  private static Arguments phoneField(
      String field, BiConsumer<Customer.Builder, String> setter, Function<Customer, String> getter) {
    return Arguments.of(field, setter, getter);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("phoneFields")
  void phoneThatIsNotANumberIsRejected(String field, BiConsumer<Customer.Builder, String> setter, Function<Customer, String> getter) {
    for (String bad : List.of("12345", "not a phone", "555-0123")) {
      Customer.Builder customer = Customers.valid();
      setter.accept(customer, bad);
      assertRejected(customer, "customer." + field);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("phoneFields")
  void phoneIsStoredInE164(String field, BiConsumer<Customer.Builder, String> setter, Function<Customer, String> getter) {
    Customer.Builder customer = Customers.valid();
    setter.accept(customer, "514.555.0199");
    assertThat(getter.apply(create(customer))).isEqualTo("+15145550199");
  }

  @Test
  void phoneWithoutPrefixIsReadAsANumberOfTheStoreCountry() {
    // Tenant B is in France: a French national number is valid there, not in Canada.
    Customer frenchStore = createAsB(Customers.minimal().setMobilePhone("01 23 45 67 89"));
    assertThat(frenchStore.getMobilePhone()).isEqualTo("+33123456789");

    assertRejected(Customers.minimal().setMobilePhone("01 23 45 67 89"), "customer.mobile_phone");
  }

  @Test
  void phoneWithoutPrefixIsReadAsANumberOfTheAddressCountryWhenGiven() {
    Customer created =
        create(Customers.minimal()
            .setHomePhone("01 23 45 67 89")
            .setAddress(Address.newBuilder().setCity("Paris").setPostalCode("75001").setCountryCode("FR")));
    assertThat(created.getHomePhone()).isEqualTo("+33123456789");
  }

  @Test
  void phoneWithInternationalPrefixIsKeptWhateverTheStoreCountry() {
    Customer created = create(Customers.minimal().setWorkPhone("+33 1 23 45 67 89"));
    assertThat(created.getWorkPhone()).isEqualTo("+33123456789");
  }

  // ---- postal codes ----

  @ParameterizedTest(name = "{0}: \"{1}\" becomes \"{2}\"")
  @MethodSource("retail.customers.server.testing.PostalCodeSamples#valid")
  void postalCodeOfTheAddressCountryIsStoredInCanonicalForm(String country, String sloppy, String canonical) {
    Customer created =
        create(Customers.minimal().setAddress(Address.newBuilder().setPostalCode(sloppy).setCountryCode(country)));
    assertThat(created.getAddress().getPostalCode()).isEqualTo(canonical);
    assertThat(created.getAddress().getCountryCode()).isEqualTo(country);
  }

  @ParameterizedTest(name = "{0}: \"{1}\" is rejected")
  @MethodSource("retail.customers.server.testing.PostalCodeSamples#invalid")
  void postalCodeNotInTheAddressCountryFormatIsRejected(String country, String invalid) {
    assertRejected(
        Customers.minimal().setAddress(Address.newBuilder().setPostalCode(invalid).setCountryCode(country)),
        "customer.address.postal_code");
  }

  @Test
  void postalCodeWithoutCountryFollowsTheStoreCountry() {
    Address.Builder canadian = Address.newBuilder().setPostalCode("h2x1y4");
    Address.Builder french = Address.newBuilder().setPostalCode("75 001");

    assertThat(create(Customers.minimal().setAddress(canadian)).getAddress().getPostalCode()).isEqualTo("H2X 1Y4");
    assertThat(createAsB(Customers.minimal().setAddress(french)).getAddress().getPostalCode()).isEqualTo("75001");
    assertRejected(Customers.minimal().setAddress(french), "customer.address.postal_code");
    assertRejected(api.customers(api.tenantB().key()), Customers.minimal().setAddress(canadian), "customer.address.postal_code");
  }

  @Test
  void postalCodeOfACountryWithoutAKnownFormatIsStoredInUpperCase() {
    Customer created =
        create(Customers.minimal().setAddress(Address.newBuilder().setPostalCode("sw1a  1aa").setCountryCode("gb")));
    assertThat(created.getAddress().getPostalCode()).isEqualTo("SW1A 1AA");
    assertThat(created.getAddress().getCountryCode()).isEqualTo("GB");
  }

  // ---- country, website ----

  @ParameterizedTest
  @ValueSource(strings = {"XX", "CAN", "C", "1A", "Canada"})
  void countryThatIsNotIsoAlpha2IsRejected(String country) {
    assertRejected(withAddress(Customers.valid(), a -> a.setCountryCode(country)), "customer.address.country_code");
  }

  @Test
  void countryIsStoredInUpperCase() {
    assertThat(create(withAddress(Customers.valid(), a -> a.setCountryCode(" ca "))).getAddress().getCountryCode())
        .isEqualTo("CA");
  }

  @Test
  void bareHostWebsiteGetsHttps() {
    assertThat(create(Customers.valid().setWebsite("example.com")).getWebsite()).isEqualTo("https://example.com");
    assertThat(create(Customers.valid().setWebsite("http://shop.example.com/a?b=c")).getWebsite())
        .isEqualTo("http://shop.example.com/a?b=c");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://example.com", "not a web site", "http://localhost", "javascript:alert(1)", "https://"})
  void websiteThatIsNotAnHttpAddressIsRejected(String website) {
    assertRejected(Customers.valid().setWebsite(website), "customer.website");
  }

  @Test
  void websiteOver500CharactersIsRejected() {
    String base = "https://example.com/";
    assertThat(create(Customers.valid().setWebsite(base + "a".repeat(500 - base.length()))).getWebsite()).hasSize(500);
    assertRejected(Customers.valid().setWebsite(base + "a".repeat(501 - base.length())), "customer.website");
  }

  // ---- discount ----

  @ParameterizedTest
  @ValueSource(strings = {"-1", "100.01", "12.345", "abc", "", "15%", "15,5"})
  void discountThatIsNotAPercentWithTwoDecimalsIsRejected(String discount) {
    assertRejected(Customers.valid().setDiscountPercent(discount), "customer.discount_percent");
  }

  @Test
  void discountIsReturnedWithTwoDecimals() {
    Customer created = create(Customers.valid().setDiscountPercent("15"));
    assertThat(created.getDiscountPercent()).isEqualTo("15.00");
    assertThat(created.getEffectiveDiscountPercent()).isEqualTo("15.00");
    assertThat(create(Customers.valid().setDiscountPercent("12.5")).getDiscountPercent()).isEqualTo("12.50");
    assertThat(create(Customers.valid().setDiscountPercent("100")).getDiscountPercent()).isEqualTo("100.00");
  }

  @Test
  void noDiscountIsNotZeroDiscount() {
    assertThat(create(Customers.valid()).hasDiscountPercent()).isFalse();
    assertThat(create(Customers.valid().setDiscountPercent("0")).getDiscountPercent()).isEqualTo("0.00");
  }

  // ---- birth date ----

  private static Date date(LocalDate date) {
    return Date.newBuilder().setYear(date.getYear()).setMonth(date.getMonthValue()).setDay(date.getDayOfMonth()).build();
  }

  @Test
  void birthDateInTheFutureIsRejected() {
    // Two days ahead: tomorrow in UTC may already be today in the Pacific.
    LocalDate future = LocalDate.now(ZoneOffset.UTC).plusDays(2);
    assertRejected(Customers.valid().setBirthDate(date(future)), "customer.birth_date");
  }

  @Test
  void birthDateThatIsNotAFullRealDateIsRejected() {
    assertRejected(Customers.valid().setBirthDate(Date.newBuilder().setYear(1980).setMonth(5)), "customer.birth_date");
    assertRejected(Customers.valid().setBirthDate(Date.newBuilder().setMonth(5).setDay(17)), "customer.birth_date");
    assertRejected(Customers.valid().setBirthDate(Date.newBuilder().setYear(1981).setMonth(2).setDay(30)), "customer.birth_date");
    assertRejected(Customers.valid().setBirthDate(Date.newBuilder().setYear(1981).setMonth(13).setDay(1)), "customer.birth_date");
  }

  @Test
  void birthDateBefore1900IsRejected() {
    assertRejected(Customers.valid().setBirthDate(date(LocalDate.of(1899, 12, 31))), "customer.birth_date");
    assertThat(create(Customers.valid().setBirthDate(date(LocalDate.of(1900, 1, 1)))).getBirthDate())
        .isEqualTo(date(LocalDate.of(1900, 1, 1)));
  }

  @Test
  void birthDateTodayAndLeapDayAreAccepted() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    assertThat(create(Customers.valid().setBirthDate(date(today))).getBirthDate()).isEqualTo(date(today));
    assertThat(create(Customers.valid().setBirthDate(date(LocalDate.of(1984, 2, 29)))).getBirthDate())
        .isEqualTo(date(LocalDate.of(1984, 2, 29)));
  }

  // ---- lengths and characters ----

  static Stream<Arguments> textLimits() {
    return Stream.of(
        limit("first_name", 100, Customer.Builder::setFirstName),
        limit("last_name", 100, Customer.Builder::setLastName),
        limit("title", 40, Customer.Builder::setTitle),
        limit("company", 200, Customer.Builder::setCompany),
        limit("company_registration_number", 50, Customer.Builder::setCompanyRegistrationNumber),
        limit("vat_number", 50, Customer.Builder::setVatNumber),
        limit("custom_identifier", 100, Customer.Builder::setCustomIdentifier),
        limit("notes", 10_000, Customer.Builder::setNotes),
        limit("address.address_line_1", 200, (c, v) -> withAddress(c, a -> a.setAddressLine1(v))),
        limit("address.address_line_2", 200, (c, v) -> withAddress(c, a -> a.setAddressLine2(v))),
        limit("address.city", 100, (c, v) -> withAddress(c, a -> a.setCity(v))),
        limit("address.region", 100, (c, v) -> withAddress(c, a -> a.setRegion(v))));
  }

  private static Arguments limit(String field, int max, BiConsumer<Customer.Builder, String> setter) {
    return Arguments.of(field, max, setter);
  }

  @ParameterizedTest(name = "{0} up to {1}")
  @MethodSource("textLimits")
  void textOverItsLimitIsRejected(String field, int max, BiConsumer<Customer.Builder, String> setter) {
    Customer.Builder atLimit = Customers.valid();
    setter.accept(atLimit, "\u00e9".repeat(max)); // characters, not bytes
    create(atLimit);

    Customer.Builder over = Customers.valid();
    setter.accept(over, "\u00e9".repeat(max + 1));
    assertRejected(over, "customer." + field);
  }

  @Test
  void externalReferenceOver200CharactersIsRejected() {
    create(Customers.valid().setExternalReference("r".repeat(200)));
    assertRejected(Customers.valid().setExternalReference("r".repeat(201)), "customer.external_reference");
  }

  @Test
  void controlCharactersAreRejected() {
    assertRejected(Customers.valid().setFirstName("Bet\u0007ty"), "customer.first_name");
    assertRejected(Customers.valid().setLastName("Smith\u0000"), "customer.last_name");
    assertRejected(Customers.valid().setNotes("call\u001b[31m back"), "customer.notes");
    assertRejected(withAddress(Customers.valid(), a -> a.setCity("Mont\u0000réal")), "customer.address.city");
  }

  @Test
  void lineBreaksAreAllowedInNotesOnly() {
    assertThat(create(Customers.valid().setNotes("line one\r\nline two\n\tindented")).getNotes())
        .isEqualTo("line one\r\nline two\n\tindented");
    assertRejected(Customers.valid().setFirstName("Betty\nSmith"), "customer.first_name");
    assertRejected(Customers.valid().setCompany("Acme\tInc"), "customer.company");
  }

  // ---- tags ----

  @Test
  void tagWithACommaIsRejected() {
    assertRejected(Customers.valid().addTags("Woman").addTags("56 cm, Motorcyclist"), "customer.tags[1]");
  }

  @Test
  void emptyTagIsRejected() {
    assertRejected(Customers.valid().addTags("  ").addTags("Woman"), "customer.tags[0]");
  }

  @Test
  void tagOver50CharactersIsRejected() {
    assertThat(create(Customers.valid().addTags("t".repeat(50))).getTagsList()).containsExactly("t".repeat(50));
    assertRejected(Customers.valid().addTags("t".repeat(51)), "customer.tags[0]");
  }

  @Test
  void moreThanAHundredTagsIsRejected() {
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      tags.add("tag " + i);
    }
    assertThat(create(Customers.valid().addAllTags(tags.subList(0, 100))).getTagsCount()).isEqualTo(100);
    assertRejected(Customers.valid().addAllTags(tags), "customer.tags");
  }

  @Test
  void tagsDifferingOnlyInCaseAreMergedKeepingTheFirstSpelling() {
    Customer created = create(Customers.valid().addTags(" Woman ").addTags("56 cm").addTags("WOMAN").addTags("woman"));
    assertThat(created.getTagsList()).containsExactly("Woman", "56 cm");
  }

  // ---- references ----

  @Test
  void customerTypeThatDoesNotExistIsRejected() {
    assertRejected(Customers.valid().setCustomerType("customerTypes/" + UUID.randomUUID()), "customer.customer_type");
  }

  @ParameterizedTest
  @ValueSource(strings = {"VIP", "customerTypes/", "customerTypes/vip", "taxClasses/0193a0d2-6c4e-7c1a-9d2e-3f4a5b6c7d8e"})
  void malformedCustomerTypeIsRejected(String type) {
    assertRejected(Customers.valid().setCustomerType(type), "customer.customer_type");
  }

  @Test
  void taxClassThatDoesNotExistIsRejected() {
    assertRejected(Customers.valid().setTaxClass("taxClasses/" + UUID.randomUUID()), "customer.tax_class");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Out of province", "taxClasses/", "customerTypes/0193a0d2-6c4e-7c1a-9d2e-3f4a5b6c7d8e"})
  void malformedTaxClassIsRejected(String taxClass) {
    assertRejected(Customers.valid().setTaxClass(taxClass), "customer.tax_class");
  }

  @Test
  void unknownSourceIsRejected() {
    assertRejected(Customers.valid().setSourceValue(99), "customer.source");
  }

  // ---- as a whole ----

  @Test
  void everyBadFieldIsReportedInOneError() {
    assertRejected(
        Customers.valid()
            .setFirstName("x".repeat(101))
            .setEmail("not an email")
            .setHomePhone("12345")
            .setFax("fax me")
            .setDiscountPercent("150")
            .setBirthDate(Date.newBuilder().setYear(1981).setMonth(2).setDay(30))
            .setWebsite("ftp://example.com")
            .setCustomerType("VIP")
            .addTags("a,b")
            .setAddress(Address.newBuilder().setPostalCode("75001").setCountryCode("CA")),
        "customer.first_name",
        "customer.email",
        "customer.home_phone",
        "customer.fax",
        "customer.discount_percent",
        "customer.birth_date",
        "customer.website",
        "customer.customer_type",
        "customer.tags[0]",
        "customer.address.postal_code");
  }

  @Test
  void rejectedCreateLeavesNoRow() {
    int before = Customers.rows(api, api.tenantA().tenantId());
    failure(() -> create(Customers.valid().setEmail("nope").setExternalReference("rejected-" + UUID.randomUUID())));
    failure(() -> create(Customers.valid().setCustomerType("customerTypes/" + UUID.randomUUID())));
    assertThat(Customers.rows(api, api.tenantA().tenantId())).isEqualTo(before);
  }
}
