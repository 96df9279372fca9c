package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportOptions;

class ExchangeBasicsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @BeforeAll
  static void seed() {
    api.customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(
        Customer.newBuilder().setFirstName("Hélène").setLastName("Smith").setMobilePhone("(514) 555-0123").setNotes("=cmd|' /C calc'!A0")).build());
    api.customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(
        Customer.newBuilder().setFirstName("John").setLastName("Goldsmith").setCompany("Acme, \"Inc\"")).build());
  }

  static String export(ExportCustomersRequest request) {
    StringBuilder csv = new StringBuilder();
    Iterator<ExportCustomersResponse> chunks = api.customers().exportCustomers(request);
    chunks.forEachRemaining(c -> csv.append(c.getData().toString(StandardCharsets.UTF_8)));
    return csv.toString();
  }

  static ImportCustomersResponse importCsv(String key, String csv, ImportOptions options) throws Exception {
    CompletableFuture<ImportCustomersResponse> result = new CompletableFuture<>();
    StreamObserver<ImportCustomersRequest> upload =
        CustomerServiceGrpc.newStub(api.channel()).withCallCredentials(ApiServer.bearer(key))
            .importCustomers(new StreamObserver<>() {
              @Override public void onNext(ImportCustomersResponse value) { result.complete(value); }
              @Override public void onError(Throwable t) { result.completeExceptionally(t); }
              @Override public void onCompleted() {}
            });
    upload.onNext(ImportCustomersRequest.newBuilder().setOptions(options).build());
    byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += 7) {
      upload.onNext(ImportCustomersRequest.newBuilder().setData(ByteString.copyFrom(bytes, i, Math.min(7, bytes.length - i))).build());
    }
    upload.onCompleted();
    return result.get(30, TimeUnit.SECONDS);
  }

  @Test
  void exportWritesHeaderAndNeutralisedRows() {
    String csv = export(ExportCustomersRequest.getDefaultInstance());
    List<String> lines = List.of(csv.split("\r\n"));
    assertThat(lines.get(0)).startsWith("Type,Created,Discount,Sales tax,First name,Last name");
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).contains("John,Goldsmith").contains("\"Acme, \"\"Inc\"\"\"");
    assertThat(lines.get(2)).contains("Hélène,Smith").contains("'+15145550123").contains("'=cmd|");
  }

  @Test
  void exportReimportedIntoAnotherTenantGivesTheSameCsv() throws Exception {
    String csv = export(ExportCustomersRequest.getDefaultInstance());
    ImportCustomersResponse result = importCsv(api.tenantB().key(), csv, ImportOptions.getDefaultInstance());
    assertThat(result.getErrorsList()).isEmpty();
    assertThat(result.getRowsImported()).isEqualTo(2);
    String again = new String(exportAs(api.tenantB().key()), StandardCharsets.UTF_8);
    assertThat(again).isEqualTo(csv);
  }

  @Test
  void retriedImportWithTheSameRequestIdCreatesNothingTwice() throws Exception {
    String csv = "First name,Last name\r\nAda,Lovelace\r\nAlan,Turing\r\n";
    ImportOptions options = ImportOptions.newBuilder().setRequestId(java.util.UUID.randomUUID().toString()).build();
    String key = api.services().apiKeys().createTenant("Store C", "CA").key();
    ImportCustomersResponse first = importCsv(key, csv, options);
    ImportCustomersResponse retry = importCsv(key, csv, options);
    assertThat(first.getRowsImported()).isEqualTo(2);
    assertThat(retry.getRowsImported()).isZero();
    assertThat(retry.getRowsAlreadyImported()).isEqualTo(2);
  }

  static byte[] exportAs(String key) {
    List<byte[]> parts = new ArrayList<>();
    api.customers(key).exportCustomers(ExportCustomersRequest.getDefaultInstance()).forEachRemaining(c -> parts.add(c.getData().toByteArray()));
    return parts.stream().reduce(new byte[0], (a, b) -> { byte[] r = java.util.Arrays.copyOf(a, a.length + b.length); System.arraycopy(b, 0, r, a.length, b.length); return r; });
  }
}
