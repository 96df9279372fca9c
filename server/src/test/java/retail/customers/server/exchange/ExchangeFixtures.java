package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.AUDIT_EVENT;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.jooq.Record;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportOptions;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;
import retail.customers.v1.TaxClass;
import retail.customers.v1.TaxClassServiceGrpc;

/**
 * Stores of their own and the CSV calls of export and import tests: a test
 * that opens a new store (a tenant) sees exactly the customers it made, so
 * it can compare whole files whatever the other tests of its class did.
 */
final class ExchangeFixtures {
  private static final AtomicInteger STORES = new AtomicInteger();

  /** The 30 columns of SPEC section 5, in its order. */
  static final List<String> ENGLISH_HEADERS =
      List.of(
          "Type", "Created", "Discount", "Sales tax", "First name", "Last name", "Title", "Company",
          "Company registration number", "VAT number", "Date of birth", "Home", "Work", "Mobile", "Pager", "Fax",
          "Country", "Address", "Address 2", "City", "State/Province/Region", "ZIP/Postal code", "Website",
          "Email 1", "Email 2", "Custom", "Email (communication)", "Mail (communication)",
          "Phone call (communication)", "Notes");

  /** The same columns as the French help article (seed-customer-accounts.fr.txt) lists them for export. */
  static final List<String> FRENCH_HEADERS =
      List.of(
          "Type", "Créé", "Réduction", "Taxe de vente", "Prénom", "Nom", "Titre", "Entreprise",
          "Numéro d’enregistrement de l’entreprise", "Numéro de TVA", "Date de naissance", "Domicile", "Travail",
          "Téléphone cellulaire", "Téléavertisseur", "Télécopieur", "Pays", "Adresse", "Adresse 2", "Ville",
          "Province/État/Région", "ZIP/Code postal", "Site Web", "Courriel 1", "Courriel 2", "Personnalisé",
          "Courriel (mode de communication)", "Courrier postal (mode de communication)",
          "Appel téléphonique (mode de communication)", "Remarques");

  static final String CRLF = "\r\n";
  static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private ExchangeFixtures() {}

  static Store newStore(ApiServer api, String country) {
    return new Store(api, api.services().apiKeys().createTenant("Exchange store " + STORES.incrementAndGet(), country));
  }

  static Store newStore(ApiServer api) {
    return newStore(api, "CA");
  }

  static ExportCustomersRequest.Builder exportRequest() {
    return ExportCustomersRequest.newBuilder();
  }

  /** The CSV of these chunks, decoded. */
  static String text(List<ExportCustomersResponse> chunks) {
    return new String(bytes(chunks), StandardCharsets.UTF_8);
  }

  static byte[] bytes(List<ExportCustomersResponse> chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ExportCustomersResponse chunk : chunks) {
      out.writeBytes(chunk.getData().toByteArray());
    }
    return out.toByteArray();
  }

  /** Records of an RFC 4180 text, by an independent parser (the header is a record like any other). */
  static List<CSVRecord> records(String csv) {
    try (CSVParser parser = CSVParser.builder().setReader(new java.io.StringReader(csv)).setFormat(CSVFormat.RFC4180).get()) {
      return parser.getRecords();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rows of an exported file as maps from English header to cell. */
  static List<Map<String, String>> rows(String csv) {
    List<CSVRecord> records = records(csv);
    assertThat(records).as("a header row").isNotEmpty();
    List<String> header = records.get(0).toList();
    List<Map<String, String>> rows = new ArrayList<>();
    for (CSVRecord record : records.subList(1, records.size())) {
      assertThat(record.size()).as("cells of %s", record).isEqualTo(header.size());
      java.util.LinkedHashMap<String, String> row = new java.util.LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), record.get(i));
      }
      rows.add(row);
    }
    return rows;
  }

  /** A CSV text with CRLF line ends from its lines. */
  static String csv(String... lines) {
    return String.join(CRLF, lines) + CRLF;
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code bytes} cut into chunks of {@code size} bytes (the last one shorter). */
  static List<byte[]> split(byte[] bytes, int size) {
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += size) {
      chunks.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
    }
    return chunks;
  }

  static ImportOptions withRequestId(String requestId) {
    return ImportOptions.newBuilder().setRequestId(requestId).build();
  }

  static ImportOptions dryRun() {
    return ImportOptions.newBuilder().setDryRun(true).build();
  }

  /** Polls {@code condition} until it holds, failing after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /**
   * Checks that {@code condition} keeps holding for all of {@code duration}:
   * for what must not happen while a client pauses.
   */
  static void holds(String what, Duration duration, BooleanSupplier condition) {
    long end = System.nanoTime() + duration.toNanos();
    do {
      assertThat(condition.getAsBoolean()).as(what).isTrue();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    } while (System.nanoTime() < end);
  }

  /** One store (tenant) with its stubs. */
  record Store(ApiServer api, ApiKeys.MintedKey key) {
    UUID tenantId() {
      return key.tenantId();
    }

    CustomerServiceBlockingStub customers() {
      return api.customers(key.key()).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    CustomerServiceGrpc.CustomerServiceStub async() {
      return CustomerServiceGrpc.newStub(api.channel()).withCallCredentials(ApiServer.bearer(key.key()));
    }

    Customer create(Customer.Builder customer) {
      return customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(customer).build());
    }

    CustomerType createType(String name, String discount, TaxClass taxClass) {
      CustomerType.Builder type = CustomerType.newBuilder().setDisplayName(name);
      if (discount != null) {
        type.setDiscountPercent(discount);
      }
      if (taxClass != null) {
        type.setTaxClass(taxClass.getName());
      }
      return CustomerTypeServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key.key()))
          .createCustomerType(CreateCustomerTypeRequest.newBuilder().setCustomerType(type).build());
    }

    TaxClass createTaxClass(String name, boolean isDefault) {
      return TaxClassServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key.key()))
          .createTaxClass(CreateTaxClassRequest.newBuilder()
              .setTaxClass(TaxClass.newBuilder().setDisplayName(name).setIsDefault(isDefault)).build());
    }

    /** Every customer a search finds (archived included), walking all pages, in last-name order. */
    List<Customer> all() {
      List<Customer> all = new ArrayList<>();
      SearchCustomersRequest.Builder next = SearchCustomersRequest.newBuilder().setShowDeleted(true).setPageSize(1000);
      while (true) {
        SearchCustomersResponse page = customers().searchCustomers(next.build());
        all.addAll(page.getCustomersList());
        if (page.getNextPageToken().isEmpty()) {
          return all;
        }
        next.setPageToken(page.getNextPageToken());
      }
    }

    /** The one customer of this store (fails if there are more or none). */
    Customer only() {
      List<Customer> all = all();
      assertThat(all).hasSize(1);
      return all.get(0);
    }

    List<ExportCustomersResponse> exportChunks(ExportCustomersRequest.Builder request) {
      List<ExportCustomersResponse> chunks = new ArrayList<>();
      customers().exportCustomers(request.build()).forEachRemaining(chunks::add);
      return chunks;
    }

    String export(ExportCustomersRequest.Builder request) {
      return text(exportChunks(request));
    }

    String export() {
      return export(exportRequest());
    }

    ImportCustomersResponse importCsv(String csv) {
      return importCsv(ImportOptions.getDefaultInstance(), csv);
    }

    ImportCustomersResponse importCsv(ImportOptions options, String csv) {
      return importChunks(options, split(utf8(csv), 64));
    }

    /** Sends the options alone, then each chunk in a message of its own. */
    ImportCustomersResponse importChunks(ImportOptions options, List<byte[]> chunks) {
      Upload upload = startImport();
      upload.send(ImportCustomersRequest.newBuilder().setOptions(options).build());
      for (byte[] chunk : chunks) {
        upload.sendData(chunk);
      }
      return upload.finish();
    }

    /** An import whose messages the test sends itself. */
    Upload startImport() {
      Upload upload = new Upload();
      upload.requests = async().withDeadlineAfter(120, TimeUnit.SECONDS).importCustomers(upload);
      return upload;
    }

    /** How many customer rows the store has, whatever their state. */
    int count() {
      return Customers.rows(api, tenantId());
    }

    /** The store's audit events of exports, oldest first, as their JSON details. */
    List<Map<String, Object>> exportAudits() {
      return api.database().dsl()
          .select(AUDIT_EVENT.DETAILS)
          .from(AUDIT_EVENT)
          .where(AUDIT_EVENT.TENANT_ID.eq(tenantId()), AUDIT_EVENT.ACTION.eq("CUSTOMERS_EXPORTED"))
          .orderBy(AUDIT_EVENT.ID)
          .fetch(AUDIT_EVENT.DETAILS)
          .stream()
          .map(details -> json(details.data()))
          .toList();
    }

    /**
     * Inserts {@code count} customers straight into the table, as an
     * import's COPY would: last names {@code lastNamePrefix} followed by a
     * five-digit number from 00001 (the only digits that a search
     * can find in them), an e-mail of its own, a note long
     * enough to make the rows weigh, a multi-line note with quotes and
     * commas on every tenth row.
     */
    void insertWithSql(int count, String lastNamePrefix) {
      int written =
          api.database().dsl().execute(
              "insert into customer (tenant_id, id, source, first_name, last_name, company, email, notes, create_time)"
                  + " select ?::uuid, gen_random_uuid(), 'IMPORT', 'Row ' || i, ? || lpad(i::text, 5, '0'),"
                  + " case when i % 3 = 0 then null else 'Company ' || (i % 7) end,"
                  + " 'row' || i || '.' || translate(left(md5(random()::text), 10), '0123456789', 'ghijklmnop') || '@example.com',"
                  + " case when i % 10 = 0 then E'Multi-line note ' || i || E',\\r\\nwith \"quotes\", commas\\nand lines'"
                  + "      else repeat('Lorem ipsum dolor sit amet ', 4) || i end,"
                  + " now() - (i || ' seconds')::interval"
                  + " from generate_series(1, ?) i",
              tenantId().toString(), lastNamePrefix, count);
      assertThat(written).isEqualTo(count);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String text) {
    try {
      com.google.protobuf.Struct.Builder struct = com.google.protobuf.Struct.newBuilder();
      com.google.protobuf.util.JsonFormat.parser().merge(text, struct);
      Map<String, Object> map = new java.util.LinkedHashMap<>();
      struct.getFieldsMap().forEach((k, v) -> map.put(k, v.hasStringValue() ? v.getStringValue() : v.toString()));
      return map;
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** A client-streamed import driven by the test, with its outcome. */
  static final class Upload implements ClientResponseObserver<ImportCustomersRequest, ImportCustomersResponse> {
    final CompletableFuture<ImportCustomersResponse> result = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<ImportCustomersRequest> call;
    private StreamObserver<ImportCustomersRequest> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<ImportCustomersRequest> call) {
      this.call = call;
    }

    void send(ImportCustomersRequest message) {
      requests.onNext(message);
    }

    void sendData(byte[] data) {
      send(ImportCustomersRequest.newBuilder().setData(ByteString.copyFrom(data)).build());
    }

    ImportCustomersResponse finish() {
      requests.onCompleted();
      return outcome();
    }

    /** The answer; rethrows the call's failure (a StatusRuntimeException). */
    ImportCustomersResponse outcome() {
      try {
        return result.get(120, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new AssertionError(e.getCause());
      } catch (InterruptedException | TimeoutException e) {
        throw new AssertionError("the import did not end", e);
      }
    }

    void cancel() {
      call.cancel("the client gave up", null);
    }

    @Override
    public void onNext(ImportCustomersResponse value) {
      result.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      result.completeExceptionally(new AssertionError("completed without an answer"));
    }
  }

  /**
   * An export read by a slow client: gRPC's automatic flow control is off
   * and the test asks for each chunk itself, so the server may only send
   * what was asked for.
   */
  static final class SlowExport implements ClientResponseObserver<ExportCustomersRequest, ExportCustomersResponse> {
    final BlockingQueue<ExportCustomersResponse> chunks = new LinkedBlockingQueue<>();
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile ClientCallStreamObserver<ExportCustomersRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<ExportCustomersRequest> call) {
      this.call = call;
      call.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(ExportCustomersResponse value) {
      chunks.add(value);
    }

    @Override
    public void onError(Throwable t) {
      failure.set(t);
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      ended.countDown();
    }

    /** The next chunk asked for, waiting for it. */
    ExportCustomersResponse take() {
      try {
        ExportCustomersResponse chunk = chunks.poll(30, TimeUnit.SECONDS);
        assertThat(chunk).as("a chunk within 30 s").isNotNull();
        return chunk;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    /** Asks for the rest one chunk at a time and returns them all; fails if the export failed. */
    List<ExportCustomersResponse> drain() {
      List<ExportCustomersResponse> rest = new ArrayList<>();
      for (ExportCustomersResponse chunk = next(); chunk != null; chunk = next()) {
        rest.add(chunk);
      }
      assertThat(failure.get()).as("the export's failure").isNull();
      return rest;
    }

    /** Asks for one more chunk: the chunk, or null when the export ended without one. */
    private ExportCustomersResponse next() {
      call.request(1);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      try {
        while (System.nanoTime() < end) {
          ExportCustomersResponse chunk = chunks.poll(20, TimeUnit.MILLISECONDS);
          if (chunk != null) {
            return chunk;
          }
          if (ended.getCount() == 0) {
            return chunks.poll();
          }
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      throw new AssertionError("no chunk and no end within 30 s");
    }

    void cancel() {
      call.cancel("the client gave up", null);
    }

    boolean awaitEnd(Duration timeout) {
      try {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** The export's COPY in PostgreSQL, if running (its transaction still open): state and wait event. */
  static List<Record> exportBackends(ApiServer api) {
    return api.database().dsl().fetch(
        "select pid, state, wait_event, xact_start from pg_stat_activity"
            + " where datname = current_database() and pid <> pg_backend_pid()"
            + " and query ilike 'copy (%' and state in ('active', 'idle in transaction')");
  }
}
