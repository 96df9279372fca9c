package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.ENGLISH_HEADERS;
import static retail.customers.server.exchange.ExchangeFixtures.FRENCH_HEADERS;
import static retail.customers.server.exchange.ExchangeFixtures.csv;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Errors;
import retail.customers.v1.Customer;
import retail.customers.v1.ImportCustomersResponse;

/**
 * An import finds its columns by their header (SPEC 6: "the same columns,
 * any order, by header name, English or French"), reports the headers it
 * does not know and ignores their cells, and refuses a file whose header
 * names none of its columns.
 */
class ImportColumnsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @Test
  void columnsAreFoundByTheirEnglishHeaderInAnyOrder() {
    Store store = newStore(api);

    ImportCustomersResponse result =
        store.importCsv(csv("Email 1,Notes,Last name,Custom,First name,Company", "ann@example.com,Likes tea,Lee,LOY-1,Ann,Acme"));

    assertThat(result.getErrorsList()).isEmpty();
    assertThat(result.getUnknownColumnsList()).isEmpty();
    assertThat(result.getRowsRead()).isEqualTo(1);
    assertThat(result.getRowsImported()).isEqualTo(1);
    Customer customer = store.only();
    assertThat(customer.getFirstName()).isEqualTo("Ann");
    assertThat(customer.getLastName()).isEqualTo("Lee");
    assertThat(customer.getEmail()).isEqualTo("ann@example.com");
    assertThat(customer.getCustomIdentifier()).isEqualTo("LOY-1");
    assertThat(customer.getCompany()).isEqualTo("Acme");
    assertThat(customer.getNotes()).isEqualTo("Likes tea");
  }

  @Test
  void frenchHeadersAreFoundIgnoringCaseAccentsSpacingAndTheKindOfApostrophe() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "PRENOM, nom ,Numero d'enregistrement de l'entreprise,numéro de tva,COURRIEL 1,Téléphone  cellulaire,"
            + "zip/code postal,pays,province/etat/region,ville,Remarques",
        "Hélène,Tremblay,123456,TVA 9,helene@example.com,514 555 0123,H2X 1Y4,CA,QC,Montréal,Vérification"));

    assertThat(result.getErrorsList()).isEmpty();
    assertThat(result.getUnknownColumnsList()).isEmpty();
    Customer customer = store.only();
    assertThat(customer.getFirstName()).isEqualTo("Hélène");
    assertThat(customer.getLastName()).isEqualTo("Tremblay");
    assertThat(customer.getCompanyRegistrationNumber()).isEqualTo("123456");
    assertThat(customer.getVatNumber()).isEqualTo("TVA 9");
    assertThat(customer.getEmail()).isEqualTo("helene@example.com");
    assertThat(customer.getMobilePhone()).isEqualTo("+15145550123");
    assertThat(customer.getAddress().getPostalCode()).isEqualTo("H2X 1Y4");
    assertThat(customer.getAddress().getCountryCode()).isEqualTo("CA");
    assertThat(customer.getAddress().getRegion()).isEqualTo("QC");
    assertThat(customer.getAddress().getCity()).isEqualTo("Montréal");
    assertThat(customer.getNotes()).isEqualTo("Vérification");
  }

  @Test
  void everyHeaderOfAnEnglishOrFrenchExportIsKnown() {
    for (List<String> headers : List.of(ENGLISH_HEADERS, FRENCH_HEADERS)) {
      Store store = newStore(api);
      String row = String.join(",", Collections.nCopies(headers.size(), ""));

      ImportCustomersResponse result = store.importCsv(csv(String.join(",", headers), row.replaceFirst("^,,,,", ",,,,Ann")));

      assertThat(result.getUnknownColumnsList()).as("%s", headers.get(1)).isEmpty();
      assertThat(result.getErrorsList()).isEmpty();
      assertThat(store.only().getFirstName()).isEqualTo("Ann");
    }
  }

  @Test
  void englishAndFrenchHeadersMayBeMixedAndCurlyApostrophesMatchStraightOnes() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "First name,Nom,Numéro d’enregistrement de l’entreprise,Company registration number",
        "Ann,Lee,111,222"));

    // The second header naming the same column is not used: it is reported.
    assertThat(result.getUnknownColumnsList()).containsExactly("Company registration number");
    Customer customer = store.only();
    assertThat(customer.getFirstName()).isEqualTo("Ann");
    assertThat(customer.getLastName()).isEqualTo("Lee");
    assertThat(customer.getCompanyRegistrationNumber()).isEqualTo("111");
  }

  @Test
  void unknownColumnsAreReportedAsWrittenAndTheirCellsIgnored() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv(
        "First name,Shoe size,Last name,Tags,Loyalty tier",
        "Ann,42,Lee,\"VIP, Woman\",Gold",
        "Bob,44,Smith,,Silver"));

    assertThat(result.getUnknownColumnsList()).containsExactly("Shoe size", "Tags", "Loyalty tier");
    assertThat(result.getErrorsList()).isEmpty();
    assertThat(result.getRowsImported()).isEqualTo(2);
    assertThat(store.all()).extracting(c -> c.getFirstName() + " " + c.getLastName() + " " + c.getTagsList())
        .containsExactly("Ann Lee []", "Bob Smith []");
  }

  @Test
  void aHeaderThatNamesNoKnownColumnIsInvalidArgumentAndStoresNothing() {
    Store store = newStore(api);

    StatusRuntimeException e = Errors.failure(() -> store.importCsv(csv("Name,Phone number,Shoe size", "Ann Lee,555,42")));

    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("data");
    assertThat(store.count()).isZero();
  }

  @Test
  void anEmptyFileIsInvalidArgument() {
    Store store = newStore(api);

    StatusRuntimeException e = Errors.failure(() -> store.importCsv(""));

    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("data");
  }

  @Test
  void blankLinesBeforeTheHeaderAreSkippedAndCounted() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv("\r\n\r\nFirst name,Email 1\r\nAnn,ann@example.com\r\nBob,bad\r\n");

    assertThat(result.getUnknownColumnsList()).isEmpty();
    assertThat(result.getRowsImported()).isEqualTo(1);
    assertThat(result.getErrorsList()).extracting(e -> e.getLine()).containsExactly(5L);
  }

  @Test
  void aFileOfBlankLinesIsInvalidArgument() {
    Store store = newStore(api);

    StatusRuntimeException e = Errors.failure(() -> store.importCsv("\r\n\r\n\n"));

    assertThat(Errors.code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.violatedFields(e)).containsExactly("data");
  }

  @Test
  void aFileWithOnlyAHeaderImportsNothing() {
    Store store = newStore(api);

    ImportCustomersResponse result = store.importCsv(csv("First name,Last name"));

    assertThat(result.getRowsRead()).isZero();
    assertThat(result.getRowsImported()).isZero();
    assertThat(store.count()).isZero();
  }
}
