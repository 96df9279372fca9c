package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.violations;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Address;
import retail.customers.v1.Customer;

/** Free text (SPEC 4): which fields it reads and how a word matches them. */
class SearchTextTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Arguments field(String field, UnaryOperator<Customer.Builder> set, String query) {
    return Arguments.of(field, set, query);
  }

  /** Each of the 13 searchable fields, a value in it and a word of that value. */
  static Stream<Arguments> searchableFields() {
    return Stream.of(
        field("first_name", c -> c.setFirstName("Quillon"), "quillon"),
        field("last_name", c -> c.setLastName("Quillon"), "quillon"),
        field("title", c -> c.setTitle("Quillonnaire"), "quillon"),
        field("company", c -> c.setCompany("Quillon Holdings"), "quillon"),
        field("home_phone", c -> c.setHomePhone("(514) 555-0142"), "5550142"),
        field("work_phone", c -> c.setWorkPhone("(514) 555-0143"), "5550143"),
        field("mobile_phone", c -> c.setMobilePhone("(514) 555-0144"), "5550144"),
        field("pager", c -> c.setPager("(514) 555-0145"), "5550145"),
        field("fax", c -> c.setFax("(514) 555-0146"), "5550146"),
        field("postal_code", c -> c.setAddress(Address.newBuilder().setPostalCode("H2X 1Y4").setCountryCode("CA")), "h2x1y4"),
        field("email", c -> c.setEmail("quillon@example.com"), "quillon"),
        field("secondary_email", c -> c.setSecondaryEmail("quillon@example.org"), "quillon"),
        field("custom_identifier", c -> c.setCustomIdentifier("LOY-778899"), "778899"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("searchableFields")
  void aValueInOneSearchableFieldAloneIsFound(String field, UnaryOperator<Customer.Builder> set, String query) {
    Store store = newStore(api);
    Customer target = store.create(set.apply(Customer.newBuilder()));
    // The same text in the notes, which are not searched, must not make a second match.
    store.create(person("Decoy", "Person").setNotes("Quillon 5550142 5550143 5550144 5550145 5550146 H2X1Y4 778899"));

    assertThat(store.find(query)).containsExactly(target.getName());
  }

  /** Fields that hold text but are not among the 13 searchable ones. */
  static Stream<Arguments> unsearchableFields() {
    return Stream.of(
        field("notes", c -> c.setNotes("Quillon wants a call"), "quillon"),
        field("address_line_1", c -> c.setAddress(Address.newBuilder().setAddressLine1("12 rue Quillon")), "quillon"),
        field("address_line_2", c -> c.setAddress(Address.newBuilder().setAddressLine2("Quillon tower")), "quillon"),
        field("city", c -> c.setAddress(Address.newBuilder().setCity("Quillonville")), "quillon"),
        field("region", c -> c.setAddress(Address.newBuilder().setRegion("Quillonia")), "quillon"),
        field("vat_number", c -> c.setVatNumber("QUILLON123"), "quillon"),
        field("company_registration_number", c -> c.setCompanyRegistrationNumber("QUILLON-RCS"), "quillon"),
        field("website", c -> c.setWebsite("https://quillon.example.com"), "quillon"),
        field("external_reference", c -> c.setExternalReference("shop-quillon-1"), "quillon"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsearchableFields")
  void aValueOnlyInAFieldThatIsNotSearchableIsNotFound(String field, UnaryOperator<Customer.Builder> set, String query) {
    Store store = newStore(api);
    Customer customer = store.create(set.apply(person("Unsearched", "Holder")));
    Customer control = store.create(person("Quillon", "Control"));

    assertThat(store.find(query)).containsExactly(control.getName());
    assertThat(store.find("unsearched")).containsExactly(customer.getName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"helene", "HELENE", "Hélène", "HÉLÈNE", "hÉlÈnE", "cote", "CÔTÉ", "Côte"})
  void textIsMatchedIgnoringCaseAndAccents(String text) {
    Store store = newStore(api);
    Customer helene = store.create(person("Hélène", "Côté"));
    store.create(person("Hélèna", "Dubois"));

    assertThat(store.find(text)).containsExactly(helene.getName());
  }

  @Test
  void accentedQueryFindsAValueWrittenWithoutAccents() {
    Store store = newStore(api);
    Customer plain = store.create(person("Helene", "Cote"));
    store.create(person("Helena", "Dubois"));

    assertThat(store.find("Hélène")).containsExactly(plain.getName());
    assertThat(store.find("CÔTÉ")).containsExactly(plain.getName());
  }

  @Test
  void aWordMatchesAnywhereInsideAValue() {
    Store store = newStore(api);
    Customer smith = store.create(person("Ann", "Smith"));
    Customer goldsmith = store.create(person("Bob", "Goldsmith"));
    Customer smithers = store.create(person("Carl", "Smithers"));
    store.create(person("Dana", "Jones"));

    assertThat(store.find("mith")).containsExactlyInAnyOrder(smith.getName(), goldsmith.getName(), smithers.getName());
    assertThat(store.find("MITH")).containsExactlyInAnyOrder(smith.getName(), goldsmith.getName(), smithers.getName());
    assertThat(store.find("smithe")).containsExactly(smithers.getName());
  }

  @Test
  void everyWordMustMatchEachInAnyField() {
    Store store = newStore(api);
    Customer bettyTremblay = store.create(person("Betty", "Tremblay").setMobilePhone("(514) 555-0123").setCompany("Acme"));
    Customer bettyMartin = store.create(person("Betty", "Martin").setMobilePhone("(514) 555-0199"));
    store.create(person("Alice", "Roy").setMobilePhone("(514) 555-0123"));

    assertThat(store.find("betty 5550123")).containsExactly(bettyTremblay.getName());
    assertThat(store.find("5550123 BETTY")).containsExactly(bettyTremblay.getName());
    assertThat(store.find("betty tremblay acme")).containsExactly(bettyTremblay.getName());
    assertThat(store.find("betty martin 0199")).containsExactly(bettyMartin.getName());
    assertThat(store.find("betty")).containsExactlyInAnyOrder(bettyTremblay.getName(), bettyMartin.getName());
    assertThat(store.find("betty nobody")).isEmpty();
  }

  @Test
  void aWordNeverMatchesAcrossTwoFields() {
    Store store = newStore(api);
    Customer jean = store.create(person("Jean", "Paul"));

    assertThat(store.find("jeanpaul")).isEmpty();
    assertThat(store.find("jean paul")).containsExactly(jean.getName());
  }

  @Test
  void likeWildcardsInTheQueryAreOrdinaryCharacters() {
    Store store = newStore(api);
    Customer underscore = store.create(person("Ann", "Lee").setEmail("ann_lee@example.com"));
    store.create(person("Anna", "Leeds").setEmail("annxlee@example.com"));
    Customer percent = store.create(person("Promo", "Buyer").setCompany("50% Off Club"));

    assertThat(store.find("ann_lee")).containsExactly(underscore.getName());
    assertThat(store.find("50%")).containsExactly(percent.getName());
    assertThat(store.find("%")).containsExactly(percent.getName());
    assertThat(store.find("_")).containsExactly(underscore.getName());
    assertThat(store.find("a%e")).isEmpty();
    assertThat(store.find("\\")).isEmpty();
  }

  @Test
  void anEmptyOrBlankQueryFindsEveryActiveCustomer() {
    Store store = newStore(api);
    Customer a = store.create(person("Ann", "Able"));
    Customer b = store.create(person("Bob", "Baker"));
    store.archive(store.create(person("Carl", "Archived")));

    assertThat(store.find("")).containsExactly(a.getName(), b.getName());
    assertThat(store.find("   ")).containsExactly(a.getName(), b.getName());
  }

  @Test
  void queryOfAtMost200CharactersAnd10WordsIsAccepted() {
    Store store = newStore(api);
    Customer ann = store.create(person("Ann", "Able"));

    assertThat(store.find("ann ".repeat(10).strip())).containsExactly(ann.getName());
    assertThat(store.find("a".repeat(200))).isEmpty();
  }

  @Test
  void queryLongerThan200CharactersIsInvalid() {
    Store store = newStore(api);

    StatusRuntimeException e = failure(() -> store.search(query("a".repeat(201))));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("query");
  }

  @Test
  void queryOfMoreThan10WordsIsInvalid() {
    Store store = newStore(api);

    StatusRuntimeException e = failure(() -> store.search(query("a b c d e f g h i j k")));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("query");
  }

  @Test
  void searchReturnsTheRequestedView() {
    Store store = newStore(api);
    Customer full = store.create(person("Ann", "Able").setNotes("Check-up due March").setEmail("ann@example.com"));

    var register = store.search(query("able").setView(retail.customers.v1.CustomerView.CUSTOMER_VIEW_REGISTER));
    var fullView = store.search(query("able"));

    assertThat(fullView.getCustomersList()).containsExactly(full);
    assertThat(names(register.getCustomersList())).containsExactly(full.getName());
    assertThat(register.getCustomers(0).getEmail()).isEmpty();
    assertThat(register.getCustomers(0).getNotes()).isEqualTo("Check-up due March");
  }
}
