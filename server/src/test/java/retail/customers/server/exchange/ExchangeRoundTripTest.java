package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static retail.customers.server.exchange.ExchangeFixtures.csv;
import static retail.customers.server.exchange.ExchangeFixtures.exportRequest;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.split;

import com.google.type.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.Address;
import retail.customers.v1.ConsentState;
import retail.customers.v1.CsvLanguage;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerType;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportError;
import retail.customers.v1.ImportOptions;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;
import retail.customers.v1.TaxClass;

/**
 * Export and import speak the same file (SPEC 5 and 6: "import customers
 * from another POS"): a store's export imported into a new store exports
 * again byte for byte; and an import stays inside the importing store
 * (SPEC 1: "no tenant may ever see another's data").
 */
class ExchangeRoundTripTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Store original;
  private static Map<String, String> originalNames;

  /** A store whose customers use every column and every trap: quotes, line breaks, accents, formulas. */
  @BeforeAll
  static void seed() {
    original = newStore(api);
    originalNames = sameReferences(original);
    String vip = resourceNamed(originalNames, "VIP");
    String student = resourceNamed(originalNames, "Étudiant");
    String outOfProvince = resourceNamed(originalNames, "Out of province");
    MarketingConsent granted = MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_GRANTED).build();
    MarketingConsent denied = MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_DENIED).build();
    original.create(Customer.newBuilder()
        .setCustomerType(vip).setDiscountPercent("15").setTaxClass(outOfProvince)
        .setFirstName("Betty").setLastName("Smith").setTitle("Dr.").setCompany("Acme, \"Inc\"")
        .setCompanyRegistrationNumber("1234567890").setVatNumber("GST 123456789")
        .setBirthDate(Date.newBuilder().setYear(1984).setMonth(2).setDay(29))
        .setHomePhone("(514) 555-0123").setWorkPhone("514 555 0124").setMobilePhone("+1 438 555 0199")
        .setPager("514-555-0126").setFax("514.555.0127")
        .setAddress(Address.newBuilder().setAddressLine1("1 rue Sainte-Catherine").setAddressLine2("3e étage")
            .setCity("Montréal").setRegion("QC").setPostalCode("h2x1y4").setCountryCode("CA"))
        .setWebsite("example.com").setEmail("Betty@Example.com").setSecondaryEmail("b.smith@example.org")
        .setCustomIdentifier("LOY-0042")
        .setMarketingConsents(MarketingConsents.newBuilder().setEmail(granted).setPostalMail(denied))
        .setNotes("Check-up due March 2019\r\nSecond line, with \"quotes\""));
    original.create(Customer.newBuilder().setCustomerType(student).setFirstName("Hélène").setLastName("Ærøskøbing")
        .setCompany("東京 🍣").setBirthDate(Date.newBuilder().setYear(2000).setMonth(1).setDay(1))
        .setMarketingConsents(MarketingConsents.newBuilder().setPhoneCall(denied)));
    original.create(Customer.newBuilder().setFirstName("=1+2").setLastName("+Plus").setTitle("-Minus")
        .setCompany("@SUM(A1)").setMobilePhone("+33 1 23 45 67 89").setNotes("=HYPERLINK(\"http://x\")"));
    original.create(Customer.newBuilder().setFirstName("'Quoted").setLastName("O'Brien").setDiscountPercent("0")
        .setAddress(Address.newBuilder().setCountryCode("US").setRegion("NY").setPostalCode("12345 6789")));
    original.create(Customer.newBuilder().setLastName("Zed"));
    original.create(Customer.newBuilder().setCompany("No Name Ltd").setEmail("hello@noname.example"));
  }

  /**
   * The customer types and tax classes of the original, created by name in
   * {@code store}; returns their display names by resource name.
   */
  private static Map<String, String> sameReferences(Store store) {
    TaxClass standard = store.createTaxClass("Standard", true);
    TaxClass outOfProvince = store.createTaxClass("Out of province", false);
    CustomerType vip = store.createType("VIP", "10", outOfProvince);
    CustomerType student = store.createType("Étudiant", null, null);
    return Map.of(standard.getName(), standard.getDisplayName(), outOfProvince.getName(),
        outOfProvince.getDisplayName(), vip.getName(), vip.getDisplayName(), student.getName(), student.getDisplayName());
  }

  private static String resourceNamed(Map<String, String> names, String displayName) {
    return names.entrySet().stream().filter(e -> e.getValue().equals(displayName)).findFirst().orElseThrow().getKey();
  }

  private static ImportCustomersResponse importInto(Store store, String csv) {
    ImportCustomersResponse result = store.importChunks(ImportOptions.getDefaultInstance(), split(ExchangeFixtures.utf8(csv), 100));
    assertThat(result.getErrorsList()).isEmpty();
    assertThat(result.getUnknownColumnsList()).isEmpty();
    return result;
  }

  @Test
  void anExportImportedIntoANewStoreExportsAgainByteForByte() {
    String exported = original.export();
    Store copy = newStore(api);
    sameReferences(copy);

    ImportCustomersResponse result = importInto(copy, exported);

    assertThat(result.getRowsImported()).isEqualTo(6);
    assertThat(copy.export()).isEqualTo(exported);
  }

  @Test
  void aFrenchExportWithAByteOrderMarkComesBackTheSame() {
    ExportCustomersRequest.Builder french = exportRequest().setLanguage(CsvLanguage.CSV_LANGUAGE_FRENCH).setByteOrderMark(true);
    byte[] exported = ExchangeFixtures.bytes(original.exportChunks(french));
    Store copy = newStore(api);
    sameReferences(copy);

    ImportCustomersResponse result = copy.importChunks(ImportOptions.getDefaultInstance(), split(exported, 333));

    assertThat(result.getErrorsList()).isEmpty();
    assertThat(result.getUnknownColumnsList()).isEmpty();
    assertThat(ExchangeFixtures.bytes(copy.exportChunks(french))).isEqualTo(exported);
  }

  @Test
  void theImportedCustomersAreTheOriginalOnesInTheirStoredForm() {
    Store copy = newStore(api);
    Map<String, String> copyNames = sameReferences(copy);

    importInto(copy, original.export());

    List<Customer> before = original.all();
    List<Customer> after = copy.all();
    assertThat(after).hasSameSizeAs(before);
    for (int i = 0; i < before.size(); i++) {
      assertThat(comparable(after.get(i), copyNames)).isEqualTo(comparable(before.get(i), originalNames));
    }
  }

  /** What an export carries of a customer: its data, its pricing by name, its creation to the second. */
  private static Customer comparable(Customer customer, Map<String, String> names) {
    Customer.Builder c = customer.toBuilder().clearName().clearEtag().clearUpdateTime().clearSource()
        .setCreateTime(customer.getCreateTime().toBuilder().setNanos(0))
        .setCustomerType(names.getOrDefault(customer.getCustomerType(), ""))
        .setTaxClass(names.getOrDefault(customer.getTaxClass(), ""))
        .setEffectiveTaxClass(names.getOrDefault(customer.getEffectiveTaxClass(), ""));
    MarketingConsents.Builder consents = c.getMarketingConsentsBuilder();
    for (MarketingConsent.Builder consent : List.of(consents.getEmailBuilder(), consents.getPostalMailBuilder(),
        consents.getPhoneCallBuilder())) {
      // Only yes or no travels in the file: when and from where are the import's.
      consent.clearUpdateTime().clearSource().clearOptInLevel();
    }
    if (!customer.getMarketingConsents().hasEmail()) {
      consents.clearEmail();
    }
    if (!customer.getMarketingConsents().hasPostalMail()) {
      consents.clearPostalMail();
    }
    if (!customer.getMarketingConsents().hasPhoneCall()) {
      consents.clearPhoneCall();
    }
    return c.build();
  }

  @Test
  void anImportByOneStoreNeverTouchesAnother() {
    Store a = new Store(api, api.tenantA());
    Store b = new Store(api, api.tenantB());
    Customers.create(a.customers(), Customers.valid().setCustomIdentifier("A-1"));
    String requestId = Customers.requestId();
    a.importCsv(ExchangeFixtures.withRequestId(requestId), csv("Last name,Custom", "Alpha,A-2"));
    String aBefore = a.export(exportRequest().setShowDeleted(true));
    int aCount = a.count();

    ImportCustomersResponse result =
        b.importCsv(ExchangeFixtures.withRequestId(requestId), csv("Last name,Custom,Country", "Beta,B-1,FR", "Gamma,B-2,FR"));

    assertThat(result.getRowsImported()).isEqualTo(2);
    assertThat(a.export(exportRequest().setShowDeleted(true))).isEqualTo(aBefore);
    assertThat(a.count()).isEqualTo(aCount);
    assertThat(b.all()).extracting(Customer::getCustomIdentifier).contains("B-1", "B-2").doesNotContain("A-1", "A-2");
  }

  @Test
  void typeAndTaxClassNamesResolveOnlyInTheImportingStore() {
    Store a = newStore(api);
    Store b = newStore(api);
    a.createType("Gold", "20", null);
    a.createTaxClass("Exempt", false);
    String file = csv("Last name,Type,Sales tax", "Lee,Gold,", "Ng,,Exempt");

    ImportCustomersResponse unknown = b.importCsv(file);

    assertThat(unknown.getRowsImported()).isZero();
    assertThat(unknown.getErrorsList()).extracting(ImportError::getColumn).containsExactly("Type", "Sales tax");
    CustomerType gold = b.createType("Gold", null, null);
    TaxClass exempt = b.createTaxClass("Exempt", false);
    ImportCustomersResponse known = b.importCsv(file);
    assertThat(known.getErrorsList()).isEmpty();
    assertThat(b.all()).extracting(Customer::getLastName, Customer::getCustomerType, Customer::getTaxClass)
        .containsExactly(
            tuple("Lee", gold.getName(), ""),
            tuple("Ng", "", exempt.getName()));
    assertThat(a.count()).isZero();
  }
}
