package retail.customers.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import retail.customers.client.CustomersClient;
import retail.customers.client.CustomersException;
import retail.customers.client.RetrySettings;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.auth.Scopes;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.ApiKey;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateApiKeyRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.SearchCustomersRequest;

/** The Java SDK against the real server on real PostgreSQL: its calls, retries, errors, paging and export resume. */
class CustomersClientTest {
  @RegisterExtension static final ApiServer api = ApiServer.withFaults(new Faults());
  /** CreateCustomer answers still to drop after their commit. */
  private static final AtomicInteger createAnswersToDrop = new AtomicInteger();
  /** Export streams still to cut, and after how many chunks. */
  private static final AtomicInteger exportsToCut = new AtomicInteger();
  private static final int CUT_AFTER_CHUNKS = 3;
  /** Watch streams still to cut, after two events. */
  private static final AtomicInteger watchesToCut = new AtomicInteger();


  /** Drops answers after their commit, and cuts export streams mid-way, while asked to. */
  private static final class Faults implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String method = call.getMethodDescriptor().getBareMethodName();
      if ("CreateCustomer".equals(method) && createAnswersToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {}

          @Override
          public void close(Status status, Metadata trailers) {
            super.close(status.isOk() ? Status.UNAVAILABLE.withDescription("answer lost") : status, trailers);
          }
        }, headers);
      }
      boolean cutExport = "ExportCustomers".equals(method) && exportsToCut.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
      boolean cutWatch = "WatchCustomers".equals(method) && watchesToCut.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
      if (cutExport || cutWatch) {
        int cutAfter = cutExport ? CUT_AFTER_CHUNKS : 2;
        AtomicInteger sent = new AtomicInteger();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          private boolean cut;

          @Override
          public synchronized void sendMessage(R message) {
            if (cut) {
              return;
            }
            super.sendMessage(message);
            if (sent.incrementAndGet() == cutAfter) {
              cut = true;
              super.close(Status.UNAVAILABLE.withDescription("connection reset"), new Metadata());
            }
          }

          @Override
          public synchronized void close(Status status, Metadata trailers) {
            if (!cut) {
              super.close(status, trailers);
            }
          }
        }, headers);
      }
      return next.startCall(call, headers);
    }
  }

  private static CustomersClient client(String key) {
    return CustomersClient.wrap(api.channel(), key, Duration.ofSeconds(30), RetrySettings.DEFAULT);
  }

  private static int rowsWithReference(String reference) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.eq(reference));
  }

  @Test
  void createGetUpdateArchiveRestoreAndEraseByTheClient() {
    CustomersClient customers = client(api.tenantA().key());

    Customer created = customers.createCustomer(Customers.valid().setLastName("Client").build());
    Customer updated = customers.updateCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag())
        .setEmail("betty@example.com").build(), "email");
    Customer archived = customers.deleteCustomer(created.getName());
    Customer restored = customers.undeleteCustomer(created.getName());
    customers.eraseCustomer(created.getName(), "asked");

    assertThat(customers.getCustomer(created.getName()).getFirstName()).isEmpty();
    assertThat(updated.getEmail()).isEqualTo("betty@example.com");
    assertThat(archived.hasDeleteTime()).isTrue();
    assertThat(restored.hasDeleteTime()).isFalse();
  }

  @Test
  void aCreateWhoseAnswersAreLostAfterCommitIsRetriedAndStoredOnce() {
    String reference = "retried-" + UUID.randomUUID();
    createAnswersToDrop.set(2);

    Customer created = client(api.tenantA().key()).createCustomer(Customers.valid().setExternalReference(reference).build());

    assertThat(createAnswersToDrop.get()).as("both answers were dropped").isZero();
    assertThat(rowsWithReference(reference)).isEqualTo(1);
    assertThat(client(api.tenantA().key()).getCustomer(created.getName()).getExternalReference()).isEqualTo(reference);
  }

  @Test
  void retriesStopAtTheirLimitWithUnavailable() {
    String reference = "given-up-" + UUID.randomUUID();
    createAnswersToDrop.set(10);
    CustomersClient oneRetry = CustomersClient.wrap(api.channel(), api.tenantA().key(), Duration.ofSeconds(30),
        new RetrySettings(2, Duration.ofMillis(10), Duration.ofMillis(10), 1.0));
    try {
      CustomersException.UnavailableException e = catchThrowableOfType(CustomersException.UnavailableException.class,
          () -> oneRetry.createCustomer(Customers.valid().setExternalReference(reference).build()));

      assertThat(e).isNotNull();
      assertThat(createAnswersToDrop.get()).as("two attempts").isEqualTo(8);
      assertThat(rowsWithReference(reference)).as("the write was done once, its answers lost").isEqualTo(1);
    } finally {
      createAnswersToDrop.set(0);
    }
  }

  @Test
  void failuresAreTypedWithWhatAProgramNeeds() {
    CustomersClient customers = client(api.tenantA().key());
    Customer created = customers.createCustomer(Customers.valid().build());
    customers.updateCustomer(Customer.newBuilder().setName(created.getName()).setNotes("moved on").build(), "notes");
    String reader = ApiKeyServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(api.tenantA().key()))
        .createApiKey(CreateApiKeyRequest.newBuilder().setApiKey(ApiKey.newBuilder().setDisplayName("reader").addScopes(Scopes.READ)).build())
        .getKey();

    var missing = catchThrowableOfType(CustomersException.NotFoundException.class,
        () -> customers.getCustomer("customers/" + UUID.randomUUID()));
    var invalid = catchThrowableOfType(CustomersException.InvalidArgumentException.class,
        () -> customers.createCustomer(Customers.valid().setEmail("no").setFax("1").build()));
    var stale = catchThrowableOfType(CustomersException.ConflictException.class,
        () -> customers.updateCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag()).setNotes("x").build(), "notes"));
    var denied = catchThrowableOfType(CustomersException.PermissionDeniedException.class,
        () -> client(reader).createCustomer(Customers.valid().build()));
    var unknown = catchThrowableOfType(CustomersException.UnauthenticatedException.class,
        () -> client("ck_" + "B".repeat(43)).getCustomer(created.getName()));

    assertThat(missing.status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(invalid.violations()).extracting(CustomersException.FieldViolation::field).containsExactlyInAnyOrder("customer.email", "customer.fax");
    assertThat(stale.reason()).isEqualTo("ETAG_MISMATCH");
    assertThat(denied.scope()).isEqualTo(Scopes.WRITE);
    assertThat(unknown).isNotNull();
  }

  @Test
  void searchesAreIterablesThatFetchPagesAsTheyAreRead() {
    String word = "pagesof" + Long.toString(System.nanoTime(), 36).replaceAll("[0-9]", "x");
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(client(api.tenantA().key()).createCustomer(Customers.valid().setNotes(word).setCompany(word + " ltd").build()).getName());
    }

    List<String> found = new ArrayList<>();
    client(api.tenantA().key()).searchCustomers(SearchCustomersRequest.newBuilder().setQuery(word).setPageSize(3).build())
        .forEach(c -> found.add(c.getName()));

    assertThat(found).containsExactlyInAnyOrderElementsOf(created);
    assertThat(client(api.tenantA().key()).streamCustomers(SearchCustomersRequest.newBuilder().setQuery(word).setPageSize(2).build()).limit(3))
        .hasSize(3);
  }

  @Test
  void anExportCutMidWayResumesByItselfAndTheFileIsByteForByteTheUninterruptedOne(@TempDir Path dir) throws Exception {
    ApiKeys.MintedKey exporter = api.services().apiKeys().createTenant("Export store", "CA");
    for (int batch = 0; batch < 3; batch++) {
      BatchCreateCustomersRequest.Builder creates = BatchCreateCustomersRequest.newBuilder();
      for (int i = 0; i < 1000; i++) {
        creates.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.valid().setNotes("row " + batch + "/" + i)));
      }
      CustomerServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(exporter.key()))
          .batchCreateCustomers(creates.build());
    }
    ExportCustomersRequest request = ExportCustomersRequest.newBuilder().setByteOrderMark(true).build();
    Path whole = dir.resolve("whole.csv");
    Path resumed = dir.resolve("resumed.csv");
    CustomersClient customers = client(exporter.key());

    CustomersClient.ExportResult first = customers.exportCustomers(request, whole, null);
    exportsToCut.set(1);
    AtomicLong progressRows = new AtomicLong();
    CustomersClient.ExportResult second = customers.exportCustomers(request, resumed, (rows, bytes) -> progressRows.set(rows));

    assertThat(exportsToCut.get()).as("the stream was cut").isZero();
    assertThat(second.resumes()).isEqualTo(1);
    assertThat(first.rows()).isEqualTo(3000);
    assertThat(second.rows()).isEqualTo(3000);
    assertThat(progressRows.get()).isEqualTo(3000);
    assertThat(Files.readAllBytes(resumed)).isEqualTo(Files.readAllBytes(whole));
    assertThat(second.watchCursor()).isNotEmpty();
    assertThat(dir.resolve("resumed.csv.part")).doesNotExist();
  }

  @Test
  void aWatchThatDropsReconnectsFromItsLastCursorAndMissesNothing() throws Exception {
    ApiKeys.MintedKey watched = api.services().apiKeys().createTenant("Watched store", "CA");
    CustomersClient customers = client(watched.key());
    Customer first = customers.createCustomer(Customers.valid().setNotes("first").build());
    String start = ""; // from the oldest event kept: the first customer's creation
    java.util.concurrent.LinkedBlockingQueue<retail.customers.v1.CustomerEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
    watchesToCut.set(1);
    List<String> created = new ArrayList<>(List.of(first.getName()));
    try (var subscription = customers.watchCustomers(
        retail.customers.v1.WatchCustomersRequest.newBuilder().setFromOldest(true).setStartCursor(start).build(),
        new retail.customers.client.ChangeSubscription.Listener() {
          @Override
          public void onEvent(retail.customers.v1.CustomerEvent event) {
            events.add(event);
          }
        })) {
      for (int i = 0; i < 5; i++) {
        created.add(customers.createCustomer(Customers.valid().setNotes("next " + i).build()).getName());
      }
      List<String> seen = new ArrayList<>();
      while (seen.size() < created.size()) {
        var event = events.poll(30, TimeUnit.SECONDS);
        assertThat(event).as("event %d of %d", seen.size() + 1, created.size()).isNotNull();
        seen.add(event.getCustomer().getName());
      }

      assertThat(watchesToCut.get()).as("the stream was cut once").isZero();
      assertThat(seen).containsExactlyElementsOf(created);
      assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("nothing twice").isNull();
      assertThat(subscription.cursor()).isNotEmpty();
    }
  }

  @Test
  void aFileIsImportedWithProgressAndEveryRejectedRowReported(@TempDir Path dir) throws Exception {
    ApiKeys.MintedKey source = api.services().apiKeys().createTenant("Import source", "CA");
    ApiKeys.MintedKey target = api.services().apiKeys().createTenant("Import target", "CA");
    BatchCreateCustomersRequest.Builder creates = BatchCreateCustomersRequest.newBuilder();
    for (int i = 0; i < 500; i++) {
      creates.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.valid().setNotes("imported " + i)));
    }
    CustomerServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(source.key()))
        .batchCreateCustomers(creates.build());
    Path file = dir.resolve("customers.csv");
    client(source.key()).exportCustomers(ExportCustomersRequest.getDefaultInstance(), file, null);
    Files.writeString(file, Files.readString(file).replaceFirst("\n[^\n]*\n", "\n\"not an email\"" + ",x\n"), java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    AtomicLong sentBytes = new AtomicLong();


    var dryRun = client(target.key()).importCustomers(file, true, null);
    assertThat(api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.TENANT_ID.eq(target.tenantId()))).as("a dry run stores nothing").isZero();
    var imported = client(target.key()).importCustomers(file, false, (sent, total) -> sentBytes.set(sent));

    assertThat(dryRun.getDryRun()).isTrue();
    assertThat(dryRun.getErrorsList()).isEqualTo(imported.getErrorsList());
    assertThat(imported.getRowsRead()).isEqualTo(500);
    assertThat(imported.getRowsImported()).isEqualTo(499);
    assertThat(imported.getRowsRejected()).isEqualTo(1);
    assertThat(imported.getErrorsList()).isNotEmpty().allSatisfy(e -> assertThat(e.getLine()).isEqualTo(2));
    assertThat(sentBytes.get()).isEqualTo(Files.size(file));
    assertThat(api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.TENANT_ID.eq(target.tenantId()))).isEqualTo(499);
  }

  @Test
  void ensureBatchesMergeDuplicatesTagsAndReferenceData() {
    ApiKeys.MintedKey shop = api.services().apiKeys().createTenant("SDK shop", "CA");
    CustomersClient customers = client(shop.key());
    retail.customers.v1.EnsureCustomerRequest order = retail.customers.v1.EnsureCustomerRequest.newBuilder()
        .setCustomer(Customer.newBuilder().setFirstName("Web").setLastName("Buyer").setEmail("buyer@example.com")).build();

    var first = customers.ensureCustomer(order);
    var again = customers.ensureCustomer(order);
    List<retail.customers.v1.CustomerResult> batch = customers.batchCreateCustomers(List.of(
        Customers.valid().setEmail("twin@example.com").addTags("vip").build(),
        Customers.valid().setEmail("not an email").build(),
        Customers.valid().setEmail("TWIN@example.com").addTags("vip").build()));
    List<retail.customers.v1.DuplicateGroup> duplicates = new ArrayList<>();
    customers.findDuplicateCustomers().forEach(duplicates::add);
    Customer survivor = customers.mergeCustomers(batch.get(0).getCustomer().getName(), batch.get(2).getCustomer().getName());
    List<retail.customers.v1.TagCount> tags = new ArrayList<>();
    customers.listTags("").forEach(tags::add);

    assertThat(first.getCreated()).isTrue();
    assertThat(again.getCreated()).isFalse();
    assertThat(again.getCustomer().getName()).isEqualTo(first.getCustomer().getName());
    assertThat(batch).extracting(r -> r.hasCustomer()).containsExactly(true, false, true);
    assertThat(duplicates).singleElement().satisfies(g -> assertThat(g.getCustomersList())
        .containsExactlyInAnyOrder(batch.get(0).getCustomer().getName(), batch.get(2).getCustomer().getName()));
    assertThat(survivor.getMergedCustomersList()).containsExactly(batch.get(2).getCustomer().getName());
    assertThat(tags).singleElement().satisfies(t -> assertThat(t.getCustomerCount()).isEqualTo(1));
    assertThat(customers.listCustomerTypes()).isEmpty();
    assertThat(customers.listCustomFields()).isEmpty();
    assertThat(customers.listTaxClasses()).isEmpty();
    assertThat(customers.listAuditEvents("CUSTOMERS_MERGED")).singleElement()
        .satisfies(e -> assertThat(e.getResource()).isEqualTo(survivor.getName()));
  }
}
