package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.await;
import static retail.customers.server.exchange.ExchangeFixtures.csv;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.split;
import static retail.customers.server.exchange.ExchangeFixtures.utf8;
import static retail.customers.server.exchange.ExchangeFixtures.withRequestId;

import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.exchange.ExchangeFixtures.Upload;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Errors;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportOptions;

/**
 * A retried import does not create duplicates (SPEC 6): with the same
 * request_id, rows an earlier attempt stored are counted as already imported,
 * also when that attempt broke off midway.
 */
class ImportRetryTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** Four good rows, one bad, blank lines and a cell over two lines. */
  private static final String FILE =
      csv(
          "First name,Last name,Email 1,Notes",
          "Ann,Lee,ann@example.com,",
          "",
          "Bob,Ng,not-an-email,",
          "Cy,Oh,cy@example.com,\"two",
          "lines\"",
          "",
          "Dee,Po,dee@example.com,",
          "Eve,Qi,eve@example.com,");

  @Test
  void theSameFileWithTheSameRequestIdCreatesNothingTwice() {
    Store store = newStore(api);
    ImportOptions options = withRequestId(Customers.requestId());

    ImportCustomersResponse first = store.importCsv(options, FILE);
    ImportCustomersResponse again = store.importCsv(options, FILE);

    assertThat(first.getRowsImported()).isEqualTo(4);
    assertThat(first.getRowsAlreadyImported()).isZero();
    assertThat(first.getRowsRejected()).isEqualTo(1);
    assertThat(again.getRowsImported()).isZero();
    assertThat(again.getRowsAlreadyImported()).isEqualTo(4);
    assertThat(again.getRowsRejected()).isEqualTo(1);
    assertThat(again.getErrorsList()).isEqualTo(first.getErrorsList());
    assertThat(store.count()).isEqualTo(4);
  }

  @Test
  void anotherRequestIdOrNoneImportsTheFileAgain() {
    Store store = newStore(api);

    store.importCsv(withRequestId(Customers.requestId()), FILE);
    ImportCustomersResponse other = store.importCsv(withRequestId(Customers.requestId()), FILE);
    ImportCustomersResponse none = store.importCsv(FILE);

    assertThat(other.getRowsImported()).isEqualTo(4);
    assertThat(none.getRowsImported()).isEqualTo(4);
    assertThat(store.count()).isEqualTo(12);
  }

  @Test
  void theSameRequestIdInAnotherStoreIsAnotherImport() {
    Store a = newStore(api);
    Store b = newStore(api);
    ImportOptions options = withRequestId(Customers.requestId());

    assertThat(a.importCsv(options, FILE).getRowsImported()).isEqualTo(4);
    ImportCustomersResponse inB = b.importCsv(options, FILE);

    assertThat(inB.getRowsImported()).isEqualTo(4);
    assertThat(inB.getRowsAlreadyImported()).isZero();
    assertThat(a.count()).isEqualTo(4);
    assertThat(b.count()).isEqualTo(4);
  }

  @Test
  void aDryRunWithARequestIdStoresNothingSoTheRealImportStillCreatesEverything() {
    Store store = newStore(api);
    String requestId = Customers.requestId();

    ImportCustomersResponse dry = store.importCsv(ImportOptions.newBuilder().setRequestId(requestId).setDryRun(true).build(), FILE);
    ImportCustomersResponse real = store.importCsv(withRequestId(requestId), FILE);

    assertThat(dry.getRowsImported()).isEqualTo(4);
    assertThat(real.getRowsImported()).isEqualTo(4);
    assertThat(store.count()).isEqualTo(4);
  }

  @Test
  void aRetryAfterAnUploadCutShortCreatesEachRowOnce() {
    Store store = newStore(api);
    int rows = 5000;
    StringBuilder file = new StringBuilder("First name,Last name,Email 1\r\n");
    for (int i = 1; i <= rows; i++) {
      file.append("Row,").append(i).append(",row").append(i).append("@example.com\r\n");
    }
    List<byte[]> chunks = split(utf8(file.toString()), 4096);
    ImportOptions options = withRequestId(Customers.requestId());

    // Most of the file, then the client goes away once a batch is stored.
    Upload upload = store.startImport();
    upload.send(ImportCustomersRequest.newBuilder().setOptions(options).build());
    for (byte[] chunk : chunks.subList(0, chunks.size() * 9 / 10)) {
      upload.sendData(chunk);
    }
    await("a first batch is stored", Duration.ofSeconds(30), () -> store.count() >= CustomerImport.BATCH_SIZE);
    upload.cancel();
    assertThat(Status.fromThrowable(Errors.failure(upload::outcome)).getCode()).isEqualTo(Status.Code.CANCELLED);
    int stored = store.count();
    assertThat(stored).isLessThan(rows);

    ImportCustomersResponse retry = store.importChunks(options, chunks);

    assertThat(retry.getErrorsList()).isEmpty();
    assertThat(retry.getRowsImported() + retry.getRowsAlreadyImported()).isEqualTo(rows);
    assertThat(retry.getRowsAlreadyImported()).isGreaterThanOrEqualTo(stored);
    assertThat(store.count()).isEqualTo(rows);
    assertThat(api.database().dsl().fetchValue(
            "select count(distinct email) from customer where tenant_id = ?::uuid", store.tenantId().toString()))
        .isEqualTo((long) rows);
  }
}
