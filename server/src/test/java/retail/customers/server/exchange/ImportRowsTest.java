package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static retail.customers.server.exchange.ExchangeFixtures.csv;
import static retail.customers.server.exchange.ExchangeFixtures.dryRun;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;

import com.google.protobuf.util.Timestamps;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Errors;
import retail.customers.v1.Address;
import retail.customers.v1.ConsentSource;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.DeleteCustomerTypeRequest;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportError;
import retail.customers.v1.ImportOptions;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.Source;
import retail.customers.v1.TaxClass;

/**
 * Each row of an import is checked as CreateCustomer checks a customer
 * (SPEC 6 and 7): a rejected row is reported with its physical line, its
 * column as the file writes it and the reason, while the good rows are
 * stored; cells in the export's formats are read back; a dry run stores
 * nothing.
 */
class ImportRowsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** Lines 1-7; rows of lines 3 and 6 are bad; line 4 holds a cell that goes on to line 5. */
  private static final String MIXED =
      csv(
          "First name,last NAME,email 1,ZIP/Postal code,Country,Discount,Notes",
          "Ann,Good,ann@example.com,H2X 1Y4,CA,10,",
          "Bob,Bad,not-an-email,H2X 1Y4,CA,,",
          "Cy,Multi,cy@example.com,,,,\"Two",
          "lines\"",
          "Dee,Bad,dee@example.com,D2X 1Y4,CA,150,",
          "Eve,Good,eve@example.com,,,,\"One, \"\"quoted\"\"\"");

  private static List<String> names(Store store) {
    return store.all().stream().map(c -> c.getFirstName() + " " + c.getLastName()).toList();
  }

  /** The store's customers by first name. */
  private static Map<String, Customer> byFirstName(Store store) {
    return store.all().stream().collect(java.util.stream.Collectors.toMap(Customer::getFirstName, c -> c));
  }

  /** The reason CreateCustomer gives for {@code field} of {@code customer}. */
  private static String createCustomerSays(Store store, Customer.Builder customer, String field) {
    StatusRuntimeException e = Errors.failure(() -> store.create(customer));
    Map<String, String> violations = Errors.violations(e);
    assertThat(violations).containsKey(field);
    return violations.get(field);
  }

  @Test
  void importedCustomersAreFoundBySearchAtOnce() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "First name,Last name,Mobile,ZIP/Postal code,Country",
        "Hélène,Importée,514 555 0123,H2X 1Y4,CA",
        "Zoé,Zeller,438 555 0199,G1R 5M1,CA"));

    assertThat(result.getRowsImported()).isEqualTo(2);
    assertThat(found(store, "helene importee")).containsExactly("Hélène Importée");
    assertThat(found(store, "5550123")).containsExactly("Hélène Importée");
    assertThat(found(store, "g1r5m1")).containsExactly("Zoé Zeller");
    assertThat(store.customers().searchCustomers(SearchCustomersRequest.newBuilder().setOrderBy("last_name desc").build())
            .getCustomersList())
        .extracting(Customer::getLastName).containsExactly("Zeller", "Importée");
  }

  private static List<String> found(Store store, String query) {
    return store.customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery(query).build()).getCustomersList()
        .stream().map(c -> c.getFirstName() + " " + c.getLastName()).toList();
  }

  @Test
  void badRowsAreReportedWithLineColumnAndReasonWhileGoodRowsAreStored() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(MIXED);

    assertThat(result.getRowsRead()).isEqualTo(5);
    assertThat(result.getRowsImported()).isEqualTo(3);
    assertThat(result.getRowsRejected()).isEqualTo(2);
    assertThat(result.getDryRun()).isFalse();
    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn)
        .containsExactly(tuple(3L, "email 1"), tuple(6L, "ZIP/Postal code"), tuple(6L, "Discount"));
    assertThat(result.getErrorsList()).allSatisfy(e -> assertThat(e.getReason()).isNotBlank());
    Map<String, Customer> stored = byFirstName(store);
    assertThat(stored.keySet()).containsExactlyInAnyOrder("Ann", "Cy", "Eve");
    assertThat(stored.get("Ann").getDiscountPercent()).isEqualTo("10.00");
    assertThat(stored.get("Ann").getAddress().getPostalCode()).isEqualTo("H2X 1Y4");
    assertThat(stored.get("Cy").getNotes()).isEqualTo("Two\r\nlines");
    assertThat(stored.get("Eve").getNotes()).isEqualTo("One, \"quoted\"");
    assertThat(stored.values()).extracting(Customer::getSource).containsOnly(Source.SOURCE_IMPORT);
  }

  @Test
  void reasonsAreThoseOfCreateCustomer() {
    Store store = newStore(api);
    String email = createCustomerSays(store, Customer.newBuilder().setEmail("not-an-email"), "customer.email");
    String phone = createCustomerSays(store, Customer.newBuilder().setHomePhone("12"), "customer.home_phone");
    String postal = createCustomerSays(store,
        Customer.newBuilder().setAddress(Address.newBuilder().setCountryCode("CA").setPostalCode("D2X 1Y4")),
        "customer.address.postal_code");
    String country = createCustomerSays(store,
        Customer.newBuilder().setAddress(Address.newBuilder().setCountryCode("XX")), "customer.address.country_code");
    String name = createCustomerSays(store, Customer.newBuilder().setFirstName("x".repeat(101)), "customer.first_name");
    String website = createCustomerSays(store, Customer.newBuilder().setWebsite("ftp://example.com"), "customer.website");

    ImportCustomersResponse result = store.importCsv(csv(
        "Email 1,Home,ZIP/Postal code,Country,Prénom,Site Web",
        "not-an-email,,,,,",
        ",12,,,,",
        ",,D2X 1Y4,CA,,",
        ",,,XX,,",
        ",,,," + "x".repeat(101) + ",",
        ",,,,,ftp://example.com"));

    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn, ImportError::getReason)
        .containsExactly(
            tuple(2L, "Email 1", email), tuple(3L, "Home", phone), tuple(4L, "ZIP/Postal code", postal),
            tuple(5L, "Country", country), tuple(6L, "Prénom", name), tuple(7L, "Site Web", website));
    assertThat(store.count()).isZero();
  }

  @Test
  void linesCountEveryPhysicalLineWhateverTheLineBreaksInsideCells() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(
        "First name,Notes,Email 1\r\n"                  // line 1
            + "Ann,\"a\r\nb\nc\rd\",ann@example.com\r\n" // lines 2-5: CRLF, LF and CR inside the cell
            + "Bob,,bad\r\n"                             // line 6
            + "Cy,\"\r\n\r\n\",also bad\n"               // lines 7-9, ended by a bare LF
            + "Dee,,still bad\r\n");                     // line 10

    assertThat(result.getErrorsList()).extracting(ImportError::getLine).containsExactly(6L, 7L, 10L);
  }

  @Test
  void blankLinesAreSkippedAndCountedInTheLinesOfLaterRows() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(
        "First name,Email 1\r\n"     // line 1
            + "Ann,ann@example.com\r\n" // line 2
            + "\r\n"                    // line 3
            + "Bob,bad\r\n"             // line 4
            + "\r\n\r\n"                // lines 5-6
            + "Cy,bad\r\n"              // line 7
            + "\r\n");                  // line 8

    assertThat(result.getRowsRead()).isEqualTo(3);
    assertThat(result.getErrorsList()).extracting(ImportError::getLine).containsExactly(4L, 7L);
    assertThat(names(store)).containsExactly("Ann ");
  }

  @Test
  void rowsOfOnlySeparatorsAreSkippedLikeBlankLines() {
    Store store = newStore(api);

    // Spreadsheets leave rows like ",," after the last one.
    ImportCustomersResponse result = store.importCsv("First name,Email 1\r\nAnn,ann@example.com\r\n,\r\n , \r\nBob,bad\r\n");

    assertThat(result.getRowsRead()).isEqualTo(2);
    assertThat(result.getRowsImported()).isEqualTo(1);
    assertThat(result.getErrorsList()).extracting(ImportError::getLine).containsExactly(5L);
    assertThat(names(store)).containsExactly("Ann ");
  }

  @Test
  void aRowWithMoreCellsThanTheHeaderIsRejectedAsAWhole() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv("First name,Last name", "Ann,Lee,extra", "Bob", "Cy,Ng"));

    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn)
        .containsExactly(tuple(2L, ""));
    assertThat(names(store)).containsExactly("Cy Ng", "Bob ");
  }

  @Test
  void typeAndSalesTaxCellsAreNamesOfTheStoreIgnoringCase() {
    Store store = newStore(api);
    TaxClass outOfProvince = store.createTaxClass("Out of province", false);
    CustomerType vip = store.createType("VIP", "10", null);

    ImportCustomersResponse result = store.importCsv(csv(
        "First name,Type,Sales tax",
        "Ann,vip,OUT OF PROVINCE",
        "Bob,Gold,",
        "Cy,,Nowhere",
        "Dee,,"));

    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn)
        .containsExactly(tuple(3L, "Type"), tuple(4L, "Sales tax"));
    assertThat(result.getErrors(0).getReason()).contains("Gold");
    assertThat(result.getErrors(1).getReason()).contains("Nowhere");
    Map<String, Customer> stored = byFirstName(store);
    assertThat(stored.keySet()).containsExactlyInAnyOrder("Ann", "Dee");
    assertThat(stored.get("Ann").getCustomerType()).isEqualTo(vip.getName());
    assertThat(stored.get("Ann").getTaxClass()).isEqualTo(outOfProvince.getName());
    assertThat(stored.get("Ann").getEffectiveDiscountPercent()).isEqualTo("10.00");
    assertThat(stored.get("Dee").getCustomerType()).isEmpty();
    assertThat(stored.get("Dee").getTaxClass()).isEmpty();
  }

  @Test
  void theCreatedCellSetsTheCreationTime() {
    Store store = newStore(api);
    Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    ImportCustomersResponse result = store.importCsv(csv(
        "Last name,Created",
        "A,2020-01-02T03:04:05Z",
        "B,2021-06-07T08:09:10+02:00",
        "C,",
        "D,yesterday",
        "E," + Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)));

    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn)
        .containsExactly(tuple(5L, "Created"), tuple(6L, "Created"));
    List<Customer> stored = store.all();
    assertThat(stored).extracting(Customer::getLastName).containsExactly("A", "B", "C");
    assertThat(Timestamps.toString(stored.get(0).getCreateTime())).isEqualTo("2020-01-02T03:04:05Z");
    assertThat(Timestamps.toString(stored.get(1).getCreateTime())).isEqualTo("2021-06-07T06:09:10Z");
    assertThat(Instant.ofEpochSecond(stored.get(2).getCreateTime().getSeconds())).isBetween(start, Instant.now());
  }

  @Test
  void consentCellsAreYesOrNoOrEmptyWhenNeverAsked() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "Last name,Email (communication),Mail (communication),Phone call (communication)",
        "A,yes,no,",
        "B,NO,Yes,",
        "C,maybe,,"));

    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn)
        .containsExactly(tuple(4L, "Email (communication)"));
    List<Customer> stored = store.all();
    assertThat(stored).extracting(c -> c.getMarketingConsents().getEmail().getState(),
            c -> c.getMarketingConsents().getPostalMail().getState(), c -> c.getMarketingConsents().getPhoneCall().getState())
        .containsExactly(
            tuple(ConsentState.CONSENT_STATE_GRANTED, ConsentState.CONSENT_STATE_DENIED, ConsentState.CONSENT_STATE_UNSPECIFIED),
            tuple(ConsentState.CONSENT_STATE_DENIED, ConsentState.CONSENT_STATE_GRANTED, ConsentState.CONSENT_STATE_UNSPECIFIED));
    assertThat(stored.get(0).getMarketingConsents().getEmail().getSource()).isEqualTo(ConsentSource.CONSENT_SOURCE_IMPORT);
  }

  @Test
  void neutralisedCellsAreReadWithoutTheirApostrophe() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "Last name,Mobile,Notes,Company,Title,First name",
        "Lee,'+15145550123,'=SUM(A1),'@Home,'Dr.,'-"));

    assertThat(result.getErrorsList()).isEmpty();
    Customer customer = store.only();
    assertThat(customer.getMobilePhone()).isEqualTo("+15145550123");
    assertThat(customer.getNotes()).isEqualTo("=SUM(A1)");
    assertThat(customer.getCompany()).isEqualTo("@Home");
    assertThat(customer.getFirstName()).isEqualTo("-");
    // An apostrophe before anything else is the customer's own.
    assertThat(customer.getTitle()).isEqualTo("'Dr.");
  }

  @Test
  void datesOfBirthAndDiscountsInTheExportFormatsAreRead() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "Last name,Date of birth,Discount",
        "A,1984-02-29,15.00",
        "B,1984-02-30,",
        "C,,\"12,5\"",
        "D,2999-01-01,",
        "E,,101"));

    assertThat(result.getErrorsList()).extracting(ImportError::getLine, ImportError::getColumn)
        .containsExactly(tuple(3L, "Date of birth"), tuple(5L, "Date of birth"), tuple(6L, "Discount"));
    List<Customer> stored = store.all();
    assertThat(stored).extracting(Customer::getLastName).containsExactly("A", "C");
    assertThat(stored.get(0).getBirthDate().getYear()).isEqualTo(1984);
    assertThat(stored.get(0).getBirthDate().getMonth()).isEqualTo(2);
    assertThat(stored.get(0).getBirthDate().getDay()).isEqualTo(29);
    assertThat(stored.get(0).getDiscountPercent()).isEqualTo("15.00");
    assertThat(stored.get(1).getDiscountPercent()).isEqualTo("12.50");
  }

  @Test
  void rowsWhoseTypeIsDeletedDuringTheImportAreRejectedAloneAndTheRestOfTheirBatchIsStored() {
    Store store = newStore(api);
    CustomerType temporary = store.createType("Temporary", null, null);
    ExchangeFixtures.Upload upload = store.startImport();
    upload.send(ImportCustomersRequest.newBuilder().setOptions(ImportOptions.getDefaultInstance()).build());
    StringBuilder first = new StringBuilder("Last name,Type\r\n");
    for (int i = 1; i <= CustomerImport.BATCH_SIZE; i++) {
      first.append("Batch one ").append(i).append(",\r\n");
    }
    upload.sendData(ExchangeFixtures.utf8(first.toString()));
    // Once the first batch is stored, the import has checked its references.
    ExchangeFixtures.await("the first batch is stored", java.time.Duration.ofSeconds(30),
        () -> store.count() == CustomerImport.BATCH_SIZE);
    CustomerTypeServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(store.key().key()))
        .deleteCustomerType(DeleteCustomerTypeRequest.newBuilder().setName(temporary.getName()).build());

    upload.sendData(ExchangeFixtures.utf8(csv("Good,", "Typed,temporary", "Also good,", "Typed too,Temporary")));
    ImportCustomersResponse result = upload.finish();

    long firstLine = CustomerImport.BATCH_SIZE + 2;
    assertThat(result.getErrorsList()).extracting(ImportError::getLine).containsExactly(firstLine + 1, firstLine + 3);
    assertThat(result.getRowsImported()).isEqualTo(CustomerImport.BATCH_SIZE + 2);
    assertThat(result.getRowsRejected()).isEqualTo(2);
    assertThat(store.count()).isEqualTo(CustomerImport.BATCH_SIZE + 2);
    assertThat(store.all()).extracting(Customer::getLastName).contains("Good", "Also good").doesNotContain("Typed", "Typed too");
  }

  @Test
  void atMostTenThousandProblemsAreListedButEveryRejectedRowIsCounted() {
    Store store = newStore(api);
    StringBuilder file = new StringBuilder("First name,Email 1\r\nAnn,ann@example.com\r\n");
    for (int i = 0; i <= CustomerImport.MAX_ERRORS; i++) {
      file.append("Bad,bad\r\n");
    }

    ImportCustomersResponse result = store.importCsv(file.toString());

    assertThat(result.getRowsRejected()).isEqualTo(CustomerImport.MAX_ERRORS + 1);
    assertThat(result.getErrorsCount()).isEqualTo(CustomerImport.MAX_ERRORS);
    assertThat(result.getErrors(CustomerImport.MAX_ERRORS - 1).getLine()).isEqualTo(CustomerImport.MAX_ERRORS + 2);
    assertThat(result.getRowsImported()).isEqualTo(1);
  }

  @Test
  void aDryRunStoresNothingAndReportsWhatAnImportWouldDo() {
    Store store = newStore(api);

    ImportCustomersResponse dry = store.importCsv(dryRun(), MIXED);

    assertThat(store.count()).isZero();
    assertThat(dry.getDryRun()).isTrue();
    ImportCustomersResponse real = store.importCsv(MIXED);
    assertThat(dry).isEqualTo(real.toBuilder().setDryRun(true).build());
    assertThat(store.count()).isEqualTo(3);
  }

  @Test
  void anInvalidRequestIdIsInvalidArgumentNamingItsField() {
    Store store = newStore(api);

    StatusRuntimeException e = Errors.failure(
        () -> store.importCsv(ImportOptions.newBuilder().setRequestId("not-a-uuid").build(), csv("First name", "Ann")));

    assertThat(Errors.violatedFields(e)).containsExactly("options.request_id");
    assertThat(store.count()).isZero();
  }
}
