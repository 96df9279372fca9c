package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;

import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Address;
import retail.customers.v1.Customer;

/** Phones match on their digits, postal codes whatever the spacing and case (SPEC 4). */
class SearchPhonesAndPostalCodesTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Store canada;
  private static Customer montreal;
  private static Store france;
  private static Customer paris;

  @BeforeAll
  static void seed() {
    canada = newStore(api, "CA");
    montreal = canada.create(person("Betty", "Tremblay").setMobilePhone("514 555 0123"));
    // Same area code and exchange, another line: shares every word but the last.
    canada.create(person("Other", "Line").setMobilePhone("+1 514 555 0199"));
    canada.create(person("No", "Phone"));

    // Tenant B is a French store: a national number is read as French.
    france = new Store(api, api.tenantB());
    paris = france.create(person("Amélie", "Poulain").setHomePhone("01 23 45 67 89"));
    france.create(person("Autre", "Numero").setHomePhone("01 98 76 54 32"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "(514) 555-0123", "514.555.0123", "+1 514 555 0123", "5145550123", "5550123", "+15145550123", "514-555-0123",
      "1 (514) 555-0123", "(514)555-0123", "+1-514-555-0123"})
  void aCanadianPhoneIsFoundWhateverTheFormatting(String text) {
    assertThat(montreal.getMobilePhone()).isEqualTo("+15145550123");
    assertThat(canada.find(text)).containsExactly(montreal.getName());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "0123456789", "23456789", "01 23 45 67 89", "01.23.45.67.89", "01-23-45-67-89", "+33 1 23 45 67 89", "+33123456789"})
  void aFrenchPhoneEnteredInNationalFormIsFoundByItsNationalAndInternationalDigits(String text) {
    assertThat(paris.getHomePhone()).isEqualTo("+33123456789");
    assertThat(france.find(text)).containsExactly(paris.getName());
  }

  @Test
  void anotherNumberWrittenInGroupsFindsNothing() {
    assertThat(france.find("01 23 45 67 00")).isEmpty();
    assertThat(canada.find("(514) 555-0124")).isEmpty();
  }

  @Test
  void aShortNumberWithALeadingZeroKeepsItsZero() {
    Store store = newStore(api, "FI");
    Customer helsinki = store.create(person("Aino", "Virtanen").setAddress(Address.newBuilder().setPostalCode("00100").setCountryCode("FI")));
    store.create(person("Eero", "Tampere").setAddress(Address.newBuilder().setPostalCode("33100").setCountryCode("FI")));
    store.create(person("Loyal", "Member").setCustomIdentifier("LOY-100"));

    assertThat(store.find("00100")).containsExactly(helsinki.getName());
  }

  @Test
  void numbersOfDifferentFieldsTypedSideBySideStillMatchOneByOne() {
    Store store = newStore(api, "FR");
    Customer member = store.create(person("Jean", "Dupont").setCustomIdentifier("4242")
        .setAddress(Address.newBuilder().setPostalCode("75001").setCountryCode("FR")));
    store.create(person("Autre", "Client").setAddress(Address.newBuilder().setPostalCode("75001").setCountryCode("FR")));

    assertThat(store.find("75001 4242")).containsExactly(member.getName());
    assertThat(store.find("4242 75001")).containsExactly(member.getName());
  }

  /** A valid code of each of the 26 countries, as typed, and another code of the same country. */
  static Stream<Arguments> postalCodes() {
    return Stream.of(
        Arguments.of("AR", "c1425dkf", "B1636ABC"),
        Arguments.of("AT", "1010", "8020"),
        Arguments.of("AU", "2000", "3141"),
        Arguments.of("BB", "bb 11000", "BB17004"),
        Arguments.of("BE", "1000", "9000"),
        Arguments.of("CA", "h2x1y4", "K1A 0B1"),
        Arguments.of("CO", "110111", "050021"),
        Arguments.of("DE", "10115", "80331"),
        Arguments.of("DK", "DK-2100", "8000"),
        Arguments.of("ES", "28013", "08001"),
        Arguments.of("FI", "00100", "33100"),
        Arguments.of("FR", "75001", "69002"),
        Arguments.of("HK", "999077", "999078"),
        Arguments.of("JP", "1000001", "530-0001"),
        Arguments.of("LU", "L-1009", "4001"),
        Arguments.of("MX", "06600", "44100"),
        Arguments.of("NL", "1012ab", "3011 CD"),
        Arguments.of("NO", "0150", "5003"),
        Arguments.of("NZ", "6011", "1010"),
        Arguments.of("PA", "0801", "0816"),
        Arguments.of("SA", "12345 6789", "11564"),
        Arguments.of("SG", "238859", "018956"),
        Arguments.of("TH", "10200", "50200"),
        Arguments.of("TT", "100101", "500234"),
        Arguments.of("UA", "01001", "79000"),
        Arguments.of("US", "94105-1804", "10001"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("postalCodes")
  void aPostalCodeIsFoundWhateverTheSpacingAndCase(String country, String typed, String otherCode) {
    Store store = newStore(api, country);
    Customer target = store.create(person("Postal", "Target").setAddress(Address.newBuilder().setPostalCode(typed).setCountryCode(country)));
    store.create(person("Postal", "Other").setAddress(Address.newBuilder().setPostalCode(otherCode).setCountryCode(country)));
    String canonical = target.getAddress().getPostalCode();
    String compact = canonical.toLowerCase(Locale.ROOT).replaceAll("[\\s-]", "");

    assertThat(store.find(compact)).as("lower case, no spaces: %s", compact).containsExactly(target.getName());
    assertThat(store.find(canonical)).as("canonical: %s", canonical).containsExactly(target.getName());
    assertThat(store.find(canonical.toUpperCase(Locale.ROOT).replaceAll("[\\s-]", "")))
        .as("upper case, no spaces").containsExactly(target.getName());
  }
}
