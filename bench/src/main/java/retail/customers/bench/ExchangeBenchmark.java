package retail.customers.bench;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import retail.customers.client.CustomersChannel;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.auth.Caller;
import retail.customers.server.db.Database;
import retail.customers.server.exchange.CustomerExport;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportOptions;

/**
 * The export and import benchmark: ExportCustomers through the gRPC server
 * into a file against {@code COPY (the same SELECT, same order) TO STDOUT
 * WITH CSV} through the JDBC CopyManager; the server's heap while it
 * exports and while it imports; ImportCustomers of a file against {@code COPY customer FROM STDIN}
 * of the same rows into the same table, with the same indexes.
 */
final class ExchangeBenchmark {
  private static final int UPLOAD_CHUNK = 64 * 1024;

  private final Database database;
  private final CustomersChannel api;
  private final ApiKeys keys;
  private final UUID tenant;
  private final Path workDir;
  private final long importRows;

  ExchangeBenchmark(Database database, CustomersChannel api, ApiKeys keys, UUID tenant, Path workDir, long importRows) {
    this.database = database;
    this.api = api;
    this.keys = keys;
    this.tenant = tenant;
    this.workDir = workDir;
    this.importRows = importRows;
  }

  void run() throws Exception {
    Files.createDirectories(workDir);
    System.out.printf("%nExport: %-24s %12s %12s %10s %8s%n", "order", "gRPC rows/s", "COPY rows/s", "gRPC/COPY", "MB");
    for (String order : new String[] {"last_name", "create_time"}) {
      ExportCustomersRequest request = ExportCustomersRequest.newBuilder().setOrderBy(order).build();
      Path grpcFile = workDir.resolve("export-grpc-" + order + ".csv");
      Path copyFile = workDir.resolve("export-copy-" + order + ".csv");
      exportGrpc(request, grpcFile); // warm-up: caches and JIT, as COPY gets below
      Measured grpc = exportGrpc(request, grpcFile);
      copyOut(request, copyFile);
      Measured copy = copyOut(request, copyFile);
      System.out.printf("        %-24s %12.0f %12.0f %10.2f %8.0f%n", order, grpc.perSecond(), copy.perSecond(),
          grpc.perSecond() / copy.perSecond(), Files.size(grpcFile) / 1e6);
    }
    heapDuringExport();
    imports();
  }

  private record Measured(long rows, double seconds) {
    double perSecond() {
      return rows / seconds;
    }
  }

  /** Exports through gRPC into a file. */
  private Measured exportGrpc(ExportCustomersRequest request, Path file) throws Exception {
    long started = System.nanoTime();
    long rows = 0;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      Iterator<ExportCustomersResponse> chunks = api.customers().exportCustomers(request);
      while (chunks.hasNext()) {
        ExportCustomersResponse chunk = chunks.next();
        chunk.getData().writeTo(out);
        rows += chunk.getRowCount();
      }
    }
    return new Measured(rows, (System.nanoTime() - started) / 1e9);
  }

  private Measured copyOut(ExportCustomersRequest request, Path file) throws Exception {
    String sql = new CustomerExport(database.dsl(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry().counter("unused")).sql(new Caller(tenant, "CA", null), request);
    long started = System.nanoTime();
    long rows;
    try (Connection c = database.dataSource().getConnection();
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      rows = c.unwrap(PGConnection.class).getCopyAPI().copyOut("copy (" + sql + ") to stdout with csv header", out);
    }
    return new Measured(rows, (System.nanoTime() - started) / 1e9);
  }

  /**
   * The heap while the server exports every customer. The client in this
   * process only writes each chunk to a file, so what grows is the server's.
   */
  private void heapDuringExport() throws Exception {
    Measured m;
    String heap;
    try (HeapPeak peak = new HeapPeak()) {
      m = exportGrpc(ExportCustomersRequest.getDefaultInstance(), workDir.resolve("export-heap.csv"));
      heap = peak.report();
    }
    System.out.printf("%nHeap while exporting %,d rows: %s%n", m.rows(), heap);
  }

  private void imports() throws Exception {
    Path source = workDir.resolve("import.csv");
    Path copySource = workDir.resolve("import-copy.csv");
    String columns = "first_name, last_name, company, email, mobile_phone, home_phone, address_line_1, city, postal_code,"
        + " country_code, custom_identifier, birth_date, notes";
    UUID grpcTenant = keys.createTenant("bench-import-grpc-" + UUID.randomUUID(), "CA").tenantId();
    UUID retryableTenant = keys.createTenant("bench-import-grpc-request-id-" + UUID.randomUUID(), "CA").tenantId();
    UUID copyTenant = keys.createTenant("bench-import-copy-" + UUID.randomUUID(), "CA").tenantId();
    // The same rows, as the service's CSV and as COPY's.
    try (Connection c = database.dataSource().getConnection();
        OutputStream out = Files.newOutputStream(copySource)) {
      c.unwrap(PGConnection.class).getCopyAPI().copyOut(
          "copy (select '" + copyTenant + "'::uuid, gen_random_uuid(), 'IMPORT', " + columns + " from customer where tenant_id = '"
              + tenant + "' order by id limit " + importRows + ") to stdout with csv", out);
    }
    ExportCustomersRequest sample =
        ExportCustomersRequest.newBuilder().setOrderBy("create_time").build();
    // The first rows of an export: the export is cancelled once they are in.
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(source));
        Context.CancellableContext partial = Context.current().withCancellation()) {
      partial.call(() -> {
        Iterator<ExportCustomersResponse> chunks = api.customers().exportCustomers(sample);
        long rows = 0;
        while (chunks.hasNext() && rows < importRows) {
          ExportCustomersResponse chunk = chunks.next();
          chunk.getData().writeTo(out);
          rows += chunk.getRowCount();
        }
        return rows;
      });
      partial.cancel(null);
    }
    long started = System.nanoTime();
    ImportCustomersResponse result = importGrpc(keys.mintKey(grpcTenant, "import benchmark").key(), source, ImportOptions.getDefaultInstance());
    double grpcSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    ImportCustomersResponse retryable = importGrpc(keys.mintKey(retryableTenant, "import benchmark").key(), source,
        ImportOptions.newBuilder().setRequestId(UUID.randomUUID().toString()).build());
    double retryableSeconds = (System.nanoTime() - started) / 1e9;
    started = System.nanoTime();
    long copied;
    try (Connection c = database.dataSource().getConnection(); InputStream in = Files.newInputStream(copySource)) {
      copied = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
          "copy customer (tenant_id, id, source, " + columns + ") from stdin with csv", in);
    }
    double copySeconds = (System.nanoTime() - started) / 1e9;
    double copyRate = copied / copySeconds;
    System.out.printf("%nImport of %,d rows into the customer table, with all its indexes:%n", copied);
    System.out.printf("        %-40s %12s %12s %10s%n", "", "gRPC rows/s", "COPY rows/s", "gRPC/COPY");
    System.out.printf("        %-40s %12.0f %12.0f %10.2f%n", "ImportCustomers (" + result.getRowsImported() + " imported)",
        result.getRowsImported() / grpcSeconds, copyRate, (result.getRowsImported() / grpcSeconds) / copyRate);
    System.out.printf("        %-40s %12.0f %12.0f %10.2f%n", "ImportCustomers with a request_id",
        retryable.getRowsImported() / retryableSeconds, copyRate, (retryable.getRowsImported() / retryableSeconds) / copyRate);
    if (result.getRowsRejected() > 0) {
      System.out.println("first rejections: " + result.getErrorsList().subList(0, Math.min(3, result.getErrorsCount())));
    }
    // The client streams the file from disk, so what grows is the server's.
    UUID heapTenant = keys.createTenant("bench-import-heap-" + UUID.randomUUID(), "CA").tenantId();
    ImportCustomersResponse measured;
    String heap;
    try (HeapPeak peak = new HeapPeak()) {
      measured = importGrpc(keys.mintKey(heapTenant, "import benchmark").key(), source, ImportOptions.getDefaultInstance());
      heap = peak.report();
    }
    System.out.printf("%nHeap while importing %,d rows: %s%n", measured.getRowsImported(), heap);
  }

  /** Streams a file to ImportCustomers, sending only when the call is ready (client-side flow control). */
  private ImportCustomersResponse importGrpc(String key, Path file, ImportOptions options) throws Exception {
    CompletableFuture<ImportCustomersResponse> done = new CompletableFuture<>();
    InputStream in = Files.newInputStream(file);
    CustomersChannel importer = CustomersChannel.builder(api.channel().authority()).apiKey(key).usePlaintext().build();
    importer.customersAsync().importCustomers(new ClientResponseObserver<ImportCustomersRequest, ImportCustomersResponse>() {
      private boolean optionsSent;
      private boolean finished;

      @Override
      public void beforeStart(ClientCallStreamObserver<ImportCustomersRequest> upload) {
        upload.setOnReadyHandler(() -> {
          try {
            while (upload.isReady() && !finished) {
              if (!optionsSent) {
                upload.onNext(ImportCustomersRequest.newBuilder().setOptions(options).build());
                optionsSent = true;
                continue;
              }
              byte[] buffer = in.readNBytes(UPLOAD_CHUNK);
              if (buffer.length == 0) {
                finished = true;
                in.close();
                upload.onCompleted();
              } else {
                upload.onNext(ImportCustomersRequest.newBuilder().setData(ByteString.copyFrom(buffer)).build());
              }
            }
          } catch (java.io.IOException e) {
            upload.onError(e);
          }
        });
      }

      @Override
      public void onNext(ImportCustomersResponse value) {
        done.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    try {
      return done.get(2, TimeUnit.HOURS);
    } finally {
      importer.close();
    }
  }
}
