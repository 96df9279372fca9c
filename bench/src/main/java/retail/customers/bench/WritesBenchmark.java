package retail.customers.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import retail.customers.client.CustomersChannel;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.BatchCreateCustomersResponse;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.BatchUpdateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * The everyday reads and writes through the server against the same work in
 * plain SQL over JDBC, in alternating slices of the same run, at 1 and 16
 * clients: GetCustomer against a primary-key SELECT of the same columns,
 * BatchGetCustomers of 50 against one SELECT of 50 ids, CreateCustomer
 * (with a request_id) against an INSERT, UpdateCustomer of one field against
 * an UPDATE of it, EnsureCustomer of a new reference against its lock, look-up
 * and INSERT in one transaction; then BatchCreateCustomers of 1,000 against 1,000 single
 * creates, BatchUpdateCustomers of 1,000 against 1,000 single updates, and
 * 16 batches of 1,000 creates at once. Writes go to a tenant of their
 * own; reads read the seeded customers.
 */
final class WritesBenchmark {
  private static final int BATCH = 1000;

  private final String jdbcUrl;
  private final IntFunction<CustomersChannel> reads;
  private final UUID readTenant;
  private final IntFunction<CustomersChannel> writes;
  private final UUID writeTenant;
  private final Duration warmup;
  private final Duration measure;
  private final List<String> only;
  private final List<Connection> connections = new ArrayList<>();
  private final List<UUID> readIds = new ArrayList<>();
  private final List<UUID> writeIds = new ArrayList<>();
  private final List<CustomerGenerator.Row> rows = CustomerGenerator.rows(7, 10_000);

  WritesBenchmark(String jdbcUrl, IntFunction<CustomersChannel> reads, UUID readTenant, IntFunction<CustomersChannel> writes,
      UUID writeTenant, Duration warmup, Duration measure, List<String> only) {
    this.jdbcUrl = jdbcUrl;
    this.reads = reads;
    this.readTenant = readTenant;
    this.writes = writes;
    this.writeTenant = writeTenant;
    this.warmup = warmup;
    this.measure = measure;
    this.only = only;
  }

  void run() throws Exception {
    readIds.addAll(ids(readTenant, 10_000));
    for (int i = 0; i < 2_000; i++) {
      writeIds.add(UUID.fromString(writes.apply(0).customers().createCustomer(create(i)).getName().substring("customers/".length())));
    }
    List<Pair> pairs = pairs().stream().filter(pair -> measured(pair.name())).toList();
    warm(pairs);
    System.out.printf("%nReads and writes through gRPC vs the same work in SQL, %d s per side in %d alternating slices%n",
        measure.toSeconds(), Load.SLICES);
    System.out.printf("%-34s %8s %9s %8s %8s | %9s %8s %8s | %6s %6s | %11s %11s%n", "call", "clients", "gRPC /s", "p50", "p99",
        "SQL /s", "p50", "p99", "/s x", "p99 x", "gRPC cpu", "SQL cpu");
    for (int clients : new int[] {1, 16}) {
      for (Pair pair : pairs) {
        row(pair, clients);
      }
    }
    System.out.println("cpu: CPU ms per call, in this JVM (clients, server, JDBC) + in the rest of the machine (the database).");
    if (measured("Batch")) {
      batches();
    }
  }

  /** Whether the figure of this name is measured: {@code --only} names its start, or names nothing. */
  private boolean measured(String name) {
    return only.isEmpty() || only.stream().anyMatch(name::startsWith);
  }

  /** A call through the server and the same work in SQL. */
  private record Pair(String name, Load.Operation grpc, Load.Operation sql) {}

  private List<Pair> pairs() {
    return List.of(
        new Pair("GetCustomer vs SELECT by id",
            (c, i) -> reads.apply(c).customers().getCustomer(GetCustomerRequest.newBuilder().setName(name(readId(i))).build()),
            (c, i) -> selectById(connection(c), readId(i))),
        new Pair("BatchGetCustomers x50 vs SELECT",
            (c, i) -> reads.apply(c).customers().batchGetCustomers(batchGet(i)),
            (c, i) -> selectByIds(connection(c), i)),
        new Pair("CreateCustomer vs INSERT",
            (c, i) -> writes.apply(c).customers().createCustomer(create(i)),
            (c, i) -> SearchBenchmark.insert(connection(c), writeTenant, rows.get((int) (i % rows.size())))),
        new Pair("EnsureCustomer (new) vs lock+SELECT+INSERT",
            (c, i) -> writes.apply(c).customers().ensureCustomer(ensure(i)),
            (c, i) -> ensure(connection(c), rows.get((int) (i % rows.size())))),
        new Pair("UpdateCustomer vs UPDATE",
            (c, i) -> writes.apply(c).customers().updateCustomer(update(writeId(i), "note " + i).toBuilder().clearRequestId().build()),
            (c, i) -> update(connection(c), writeId(i), "note " + i)));
  }

  /**
   * Every call on both sides, from 16 clients, until the JIT has settled:
   * after 2 s of warm-up alone, the first row (GetCustomer at one client)
   * spent 0.88 ms of this JVM's CPU a call, against 0.21 once warm.
   */
  private void warm(List<Pair> pairs) throws Exception {
    System.out.println("warming up every call on both sides until the JIT has settled...");
    double compiling = Jit.warm(pairs.stream().flatMap(pair -> java.util.stream.Stream.of(pair.grpc(), pair.sql())).toList(), 16, Duration.ZERO);
    System.out.printf("the JIT compiled for %.1f%% of the last round's time%n", 100 * compiling);
  }

  private void row(Pair pair, int clients) throws Exception {
    Load.Compared compared = Load.compare(clients, warmup, measure, pair.grpc(), pair.sql());
    Latencies g = compared.first();
    Latencies s = compared.second();
    System.out.printf("%-34s %8d %9.0f %8.2f %8.2f | %9.0f %8.2f %8.2f | %6.2f %6.2f | %5.2f+%5.2f %5.2f+%5.2f%n", pair.name(), clients,
        g.perSecond(), g.percentileMillis(50), g.percentileMillis(99), s.perSecond(), s.percentileMillis(50), s.percentileMillis(99),
        g.perSecond() / s.perSecond(), g.percentileMillis(99) / s.percentileMillis(99),
        g.jvmCpuMillisPerCall(), g.otherCpuMillisPerCall(), s.jvmCpuMillisPerCall(), s.otherCpuMillisPerCall());
  }

  /**
   * 1,000 rows by one batch call against 1,000 single calls, in alternating
   * rounds; then 16 batches at once. Each round's ratio is printed too: a
   * checkpoint or an autovacuum that falls into one short batch moves the
   * total, and the rounds show it.
   */
  private void batches() throws Exception {
    long offset = 1_000_000;
    Rounds creates = Rounds.measure(
        round -> check(writes.apply(0).customers().batchCreateCustomers(batch(offset + 2L * round * BATCH)).getResultsList()),
        round -> {
          for (int i = 0; i < BATCH; i++) {
            writes.apply(0).customers().createCustomer(create(offset + (2L * round + 1) * BATCH + i));
          }
        });
    System.out.printf("%nBatchCreateCustomers of %,d: %s%n", BATCH, creates.describe("creates"));

    // Updates: the first 1,000 written customers by batches, the next 1,000 one by one.
    Rounds updates = Rounds.measure(
        round -> {
          BatchUpdateCustomersRequest.Builder batch = BatchUpdateCustomersRequest.newBuilder();
          for (int i = 0; i < BATCH; i++) {
            batch.addRequests(update(writeIds.get(i), "batch " + round + " " + i));
          }
          check(writes.apply(0).customers().batchUpdateCustomers(batch.build()).getResultsList());
        },
        round -> {
          for (int i = 0; i < BATCH; i++) {
            writes.apply(0).customers().updateCustomer(update(writeIds.get(BATCH + i), "single " + round + " " + i));
          }
        });
    System.out.printf("BatchUpdateCustomers of %,d: %s%n", BATCH, updates.describe("updates"));

    int concurrent = 16;
    ExecutorService pool = Executors.newFixedThreadPool(concurrent);
    try {
      List<Future<BatchCreateCustomersResponse>> calls = new ArrayList<>();
      long started = System.nanoTime();
      for (int b = 0; b < concurrent; b++) {
        long from = offset + (2L * Rounds.ROUNDS + b) * BATCH;
        int client = b;
        calls.add(pool.submit(() -> writes.apply(client).customers().batchCreateCustomers(batch(from))));
      }
      long failed = 0;
      for (Future<BatchCreateCustomersResponse> call : calls) {
        failed += call.get().getResultsList().stream().filter(r -> r.getResultCase() != CustomerResult.ResultCase.CUSTOMER).count();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf("%d batches of %,d at once: all done in %.1f s, %.0f rows/s, %d items failed%n",
          concurrent, BATCH, seconds, concurrent * BATCH / seconds, failed);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void check(List<CustomerResult> results) {
    long failed = results.stream().filter(r -> r.getResultCase() != CustomerResult.ResultCase.CUSTOMER).count();
    if (failed > 0) {
      throw new IllegalStateException(failed + " batch items failed");
    }
  }

  private CreateCustomerRequest create(long i) {
    return CreateCustomerRequest.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setCustomer(SearchBenchmark.toCustomer(rows.get((int) (i % rows.size()))))
        .build();
  }

  /** An EnsureCustomer of a reference that no customer has yet, with a request id: it creates. */
  private EnsureCustomerRequest ensure(long i) {
    return EnsureCustomerRequest.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setCustomer(SearchBenchmark.toCustomer(rows.get((int) (i % rows.size()))).toBuilder().setExternalReference("bench-" + UUID.randomUUID()))
        .build();
  }

  /** What EnsureCustomer does for a new reference, in SQL: in one transaction, the reference's lock, its look-up, the INSERT. */
  private void ensure(Connection c, CustomerGenerator.Row row) throws SQLException {
    String reference = "bench-" + UUID.randomUUID();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
        lock.setString(1, writeTenant + "/ref:" + reference);
        readAll(lock);
      }
      try (PreparedStatement find = c.prepareStatement("select id from customer where tenant_id = ? and external_reference = ?")) {
        find.setObject(1, writeTenant);
        find.setString(2, reference);
        readAll(find);
      }
      SearchBenchmark.insert(c, writeTenant, row, reference);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** An update of the customer's notes, with a request id. */
  private static UpdateCustomerRequest update(UUID id, String notes) {
    return UpdateCustomerRequest.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setCustomer(Customer.newBuilder().setName(name(id)).setNotes(notes))
        .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("notes"))
        .build();
  }

  private BatchCreateCustomersRequest batch(long from) {
    BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder();
    for (int i = 0; i < BATCH; i++) {
      batch.addRequests(create(from + i));
    }
    return batch.build();
  }

  private BatchGetCustomersRequest batchGet(long i) {
    BatchGetCustomersRequest.Builder batch = BatchGetCustomersRequest.newBuilder();
    for (int k = 0; k < 50; k++) {
      batch.addNames(name(readId(i * 50 + k)));
    }
    return batch.build();
  }

  private UUID readId(long i) {
    return readIds.get((int) (i % readIds.size()));
  }

  private UUID writeId(long i) {
    return writeIds.get((int) (i % writeIds.size()));
  }

  private static String name(UUID id) {
    return "customers/" + id;
  }

  private void selectById(Connection c, UUID id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "select " + SearchBenchmark.COLUMNS + SearchBenchmark.FROM.replace(" and c.delete_time is null", "") + " and c.id = ?")) {
      s.setObject(1, readTenant);
      s.setObject(2, id);
      readAll(s);
    }
  }

  private void selectByIds(Connection c, long i) throws SQLException {
    UUID[] ids = new UUID[50];
    for (int k = 0; k < 50; k++) {
      ids[k] = readId(i * 50 + k);
    }
    try (PreparedStatement s = c.prepareStatement(
        "select " + SearchBenchmark.COLUMNS + SearchBenchmark.FROM.replace(" and c.delete_time is null", "") + " and c.id = any(?)")) {
      s.setObject(1, readTenant);
      s.setArray(2, c.createArrayOf("uuid", ids));
      readAll(s);
    }
  }

  private void update(Connection c, UUID id, String notes) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "update customer set notes = ?, version = version + 1, update_time = now() where tenant_id = ? and id = ?")) {
      s.setString(1, notes);
      s.setObject(2, writeTenant);
      s.setObject(3, id);
      s.executeUpdate();
    }
  }

  private static void readAll(PreparedStatement s) throws SQLException {
    try (ResultSet r = s.executeQuery()) {
      int columns = r.getMetaData().getColumnCount();
      while (r.next()) {
        for (int k = 1; k <= columns; k++) {
          r.getObject(k);
        }
      }
    }
  }

  private List<UUID> ids(UUID tenant, int count) throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (Connection c = open(); PreparedStatement s = c.prepareStatement(
        "select id from customer tablesample system (2) where tenant_id = ? and merged_into is null limit ?")) {
      s.setObject(1, tenant);
      s.setInt(2, count);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          ids.add(r.getObject(1, UUID.class));
        }
      }
    }
    return ids;
  }

  private synchronized Connection connection(int client) throws SQLException {
    while (connections.size() <= client) {
      connections.add(open());
    }
    return connections.get(client);
  }

  private Connection open() throws SQLException {
    return plainConnection(jdbcUrl);
  }

  /**
   * A connection as a program writing these rows by hand would open it:
   * PostgreSQL's and the driver's defaults. The driver prepares a statement
   * on the server from its fifth run, and PostgreSQL then keeps a plan for
   * it when planning each run buys nothing, as for a read or a write by
   * primary key.
   */
  static Connection plainConnection(String jdbcUrl) throws SQLException {
    return DriverManager.getConnection(jdbcUrl);
  }

  void close() throws SQLException {
    for (Connection c : connections) {
      c.close();
    }
  }

  /** Seconds of each round of a batch and of the same rows written one by one, alternating. */
  private record Rounds(double[] batch, double[] single) {
    static final int ROUNDS = 5;

    interface Round {
      void run(int round) throws Exception;
    }

    static Rounds measure(Round batch, Round single) throws Exception {
      Rounds rounds = new Rounds(new double[ROUNDS], new double[ROUNDS]);
      for (int round = 0; round < ROUNDS; round++) {
        long started = System.nanoTime();
        batch.run(round);
        rounds.batch()[round] = (System.nanoTime() - started) / 1e9;
        started = System.nanoTime();
        single.run(round);
        rounds.single()[round] = (System.nanoTime() - started) / 1e9;
      }
      return rounds;
    }

    String describe(String singles) {
      double batchTotal = java.util.Arrays.stream(batch).sum();
      double singleTotal = java.util.Arrays.stream(single).sum();
      StringBuilder each = new StringBuilder();
      for (int round = 0; round < ROUNDS; round++) {
        each.append(round == 0 ? "" : ", ").append(String.format("%.1f", single[round] / batch[round]));
      }
      return String.format("%.0f rows/s; %,d single %s: %.0f rows/s; batch / single: %.1f (rounds: %s)",
          ROUNDS * BATCH / batchTotal, BATCH, singles, ROUNDS * BATCH / singleTotal, singleTotal / batchTotal, each);
    }
  }
}
