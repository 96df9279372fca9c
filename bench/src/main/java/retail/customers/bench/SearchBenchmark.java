package retail.customers.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Field;
import retail.customers.bench.SearchShapes.Shape;
import retail.customers.bench.SearchShapes.SqlSearch;
import retail.customers.client.CustomersChannel;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.db.Database;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/**
 * The search benchmark: each query shape through the gRPC server (a real
 * Netty port, protobuf on the wire), and the same query as plain SQL over
 * JDBC on the same database, at 1 and 8 concurrent clients; then
 * CreateCustomer throughput at 1 and 16 clients against a plain INSERT.
 *
 * <p>The SQL side does the work a hand-written search would: the page query
 * (every column of 51 rows, read from the result set) and, when there is a
 * next page, the total as the service makes it (the planner's estimate, and
 * a count up to 1,001 when at most 2,000 matches are expected).
 */
final class SearchBenchmark {
  private static final int PAGE = SearchShapes.PAGE;
  /** Queries of each shape whose totals are checked against the truth. */
  private static final int TOTAL_QUERIES = 20;
  private static final int WARM_CLIENTS = 8;
  static final String FROM =
      " from customer c left join customer_type t on t.tenant_id = c.tenant_id and t.id = c.customer_type_id"
          + " where c.tenant_id = ? and c.delete_time is null and c.merged_into is null";
  static final String COLUMNS = columns();

  private final String jdbcUrl;
  private final IntFunction<CustomersChannel> api;
  private final UUID tenant;
  private final IntFunction<CustomersChannel> createsApi;
  private final UUID createsTenant;
  private final Duration warmup;
  private final Duration measure;
  private final List<Connection> sqlConnections = new ArrayList<>();
  private final List<Connection> insertConnections = new ArrayList<>();
  private final List<String> only;
  /** The customers that creates send, in turn. */
  private final List<CustomerGenerator.Row> createRows = CustomerGenerator.rows(99, 10_000);

  /**
   * @param jdbcUrl the database, for the SQL side's connections (one per client, none of the server's pool)
   * @param api each client's channel to the server, by client number
   * @param createsApi the same, for the tenant that the creates go to ({@code createsTenant})
   */
  SearchBenchmark(String jdbcUrl, IntFunction<CustomersChannel> api, UUID tenant,
      IntFunction<CustomersChannel> createsApi, UUID createsTenant, Duration warmup, Duration measure, List<String> only) {
    this.jdbcUrl = jdbcUrl;
    this.api = api;
    this.tenant = tenant;
    this.createsApi = createsApi;
    this.createsTenant = createsTenant;
    this.warmup = warmup;
    this.measure = measure;
    this.only = only;
  }

  private boolean wanted(String name) {
    return only.isEmpty() || only.stream().anyMatch(name::startsWith);
  }

  void run() throws Exception {
    if (wanted("totals")) {
      totals();
    }
    List<Shape> shapes = shapes().stream().filter(shape -> wanted(shape.name())).toList();
    // The JIT compiles jOOQ, protobuf and Netty's paths over the first tens of
    // thousands of calls: warm every shape on both sides before measuring
    // any, and go on until the compiler is done, as it is in a server that
    // has run for a while.
    System.out.printf("warming up every shape for %d s on each side, then until the JIT has settled...%n", 2 * warmup.toSeconds());
    long warming = System.nanoTime();
    double compiling = Jit.warm(warming(shapes), WARM_CLIENTS, warmup.multipliedBy(2));
    System.out.printf("warmed for %d s in all; the JIT compiled for %.1f%% of the last round's time%n",
        Duration.ofNanos(System.nanoTime() - warming).toSeconds(), 100 * compiling);
    Jit.Since measuring = Jit.Since.now();
    for (int clients : new int[] {1, 8}) {
      System.out.printf("%n%d concurrent client%s, %d s measured per side in %d alternating slices, after %d s of warm-up%n",
          clients, clients == 1 ? "" : "s", measure.toSeconds(), Load.SLICES, warmup.toSeconds());
      System.out.printf("%-36s %8s %8s %8s %9s | %8s %8s %8s %9s | %6s %6s | %11s %11s%n",
          "query shape", "gRPC p50", "p95", "p99", "calls/s", "SQL p50", "p95", "p99", "calls/s", "p50 x", "p95 x",
          "gRPC cpu", "SQL cpu");
      for (Shape shape : shapes) {
        Load.Compared compared = Load.compare(clients, warmup, measure, search(shape), sql(shape));
        Latencies grpc = compared.first();
        Latencies sql = compared.second();
        System.out.printf("%-36s %8.2f %8.2f %8.2f %9.0f | %8.2f %8.2f %8.2f %9.0f | %6.2f %6.2f | %5.2f+%5.2f %5.2f+%5.2f%n",
            shape.name() + (shape.target() ? "" : " (*)"),
            grpc.percentileMillis(50), grpc.percentileMillis(95), grpc.percentileMillis(99), grpc.perSecond(),
            sql.percentileMillis(50), sql.percentileMillis(95), sql.percentileMillis(99), sql.perSecond(),
            grpc.percentileMillis(50) / sql.percentileMillis(50), grpc.percentileMillis(95) / sql.percentileMillis(95),
            grpc.jvmCpuMillisPerCall(), grpc.otherCpuMillisPerCall(), sql.jvmCpuMillisPerCall(), sql.otherCpuMillisPerCall());
      }
    }
    System.out.println("(*) not a target shape of the issue: shown for what it costs. Latencies in ms; x = gRPC / SQL.");
    System.out.println("cpu: CPU ms per call, in this JVM (clients, server, JDBC) + in the rest of the machine (the database).");
    System.out.printf("JIT: compiled for %.1f%% of one core's time while measuring (it steals from the JVM side).%n",
        100 * measuring.share());
    floor();
    if (wanted("create")) {
      creates();
    }
  }

  /**
   * How far each shape's first-page total is from the truth: for up to
   * {@value #TOTAL_QUERIES} queries of every shape, the total the service
   * gives and whether it says it is exact, against a count in SQL; with the
   * machine otherwise idle, then with every core kept busy by other
   * processes (where a count on a fixed time budget ran out). A total that
   * is not exact must never be below the matches the page showed (and the
   * one more it read), and its worst factor from the truth is printed.
   */
  private void totals() throws Exception {
    List<Shape> all = shapes();
    System.out.printf("%nFirst-page totals (page of %d) against the true count, up to %d queries a shape%n", PAGE, TOTAL_QUERIES);
    System.out.printf("%-36s %-6s %7s %7s %15s %15s %13s %10s%n",
        "query shape", "cores", "queries", "exact", "true count", "total", "total/true", "below seen");
    totals(all, "idle");
    List<Process> busy = new ArrayList<>();
    try {
      for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
        busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
      }
      totals(all, "busy");
    } finally {
      busy.forEach(Process::destroyForcibly);
    }
    System.out.println("true count and total: least-greatest over the queries; total/true: the worst two ratios of estimates (exact ones are 1).");
  }

  private void totals(List<Shape> shapes, String cores) throws SQLException {
    try (Connection c = openSql()) {
      for (Shape shape : shapes) {
        // Distinct queries, by the index that makes each (the SQL side's too).
        List<SearchCustomersRequest> requests = new ArrayList<>();
        List<Long> indexes = new ArrayList<>();
        for (long i = 0; i < 10L * TOTAL_QUERIES && requests.size() < TOTAL_QUERIES; i++) {
          SearchCustomersRequest request = shape.request().apply(i);
          if (!requests.contains(request)) {
            requests.add(request);
            indexes.add(i);
          }
        }
        long exact = 0;
        long belowSeen = 0;
        long trueLeast = Long.MAX_VALUE;
        long trueGreatest = 0;
        long totalLeast = Long.MAX_VALUE;
        long totalGreatest = 0;
        double lowest = 1;
        double highest = 1;
        for (int i = 0; i < requests.size(); i++) {
          SearchCustomersResponse response = api.apply(0).customers().searchCustomers(requests.get(i));
          long truth = count(c, shape.sql().apply(indexes.get(i)));
          long total = response.getTotalSize();
          trueLeast = Math.min(trueLeast, truth);
          trueGreatest = Math.max(trueGreatest, truth);
          totalLeast = Math.min(totalLeast, total);
          totalGreatest = Math.max(totalGreatest, total);
          if (response.getTotalSizeExact()) {
            exact++;
            if (total != truth) {
              throw new IllegalStateException(shape.name() + ": exact total " + total + " where " + truth + " match");
            }
          } else {
            long seen = Math.min(truth, PAGE + 1);
            belowSeen += total < seen ? 1 : 0;
            double ratio = truth == 0 ? Double.POSITIVE_INFINITY : (double) total / truth;
            lowest = Math.min(lowest, ratio);
            highest = Math.max(highest, ratio);
          }
        }
        System.out.printf("%-36s %-6s %7d %7d %7d-%-7d %7d-%-7d %6.2f-%-6.2f %10d%n",
            shape.name(), cores, requests.size(), exact, trueLeast, trueGreatest, totalLeast, totalGreatest, lowest, highest, belowSeen);
      }
    }
  }

  /** How many customers the search matches, counted in SQL. */
  private long count(Connection c, SqlSearch search) throws SQLException {
    try (PreparedStatement count = c.prepareStatement("select count(*)" + FROM + " and " + search.conditions())) {
      bind(count, search);
      try (ResultSet r = count.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /**
   * A gRPC call that does no work (the health check) through the same
   * channel and server: the part of every figure above that no server code
   * can remove, which bounds how close a fast query's ratio can come to 1.
   */
  private void floor() throws Exception {
    System.out.printf("%ngRPC round trip doing no work (Health/Check), same channels and server%n");
    System.out.printf("%-10s %8s %8s %8s %9s%n", "clients", "p50", "p95", "p99", "calls/s");
    for (int clients : new int[] {1, 8}) {
      Latencies health = Load.run(clients, warmup, measure, (c, i) -> api.apply(c).isServing());
      System.out.printf("%-10d %8.2f %8.2f %8.2f %9.0f%n", clients,
          health.percentileMillis(50), health.percentileMillis(95), health.percentileMillis(99), health.perSecond());
    }
  }

  /**
   * Each shape, and the creates when wanted, on each side, warmed from as
   * many clients as the most that are measured: warmed from 2, the JIT went
   * on compiling for 20% of a core once 8 came (the paths where calls wait
   * for one another).
   */
  private List<Load.Operation> warming(List<Shape> shapes) {
    List<Load.Operation> operations = new ArrayList<>();
    for (Shape shape : shapes) {
      operations.add(search(shape));
      operations.add(sql(shape));
    }
    if (wanted("create")) {
      operations.add(create());
      operations.add(insert());
    }
    return operations;
  }

  /** A search through the service; a target shape must find someone. */
  private Load.Operation search(Shape shape) {
    return (c, i) -> {
      SearchCustomersResponse r = api.apply(c).customers().searchCustomers(shape.request().apply(i));
      if (r.getCustomersCount() == 0 && shape.target()) {
        throw new IllegalStateException(shape.name() + " found nothing for " + shape.request().apply(i).getQuery());
      }
    };
  }

  private Load.Operation sql(Shape shape) {
    return (c, i) -> sqlSearch(connection(c), shape.sql().apply(i));
  }

  /** A create through the service, with a request_id as registers send. */
  private Load.Operation create() {
    return (c, i) -> createsApi.apply(c).customers().createCustomer(CreateCustomerRequest.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setCustomer(toCustomer(createRow(i)))
        .build());
  }

  private Load.Operation insert() {
    return (c, i) -> insert(insertConnection(c), createsTenant, createRow(i));
  }

  private CustomerGenerator.Row createRow(long i) {
    return createRows.get((int) (i % createRows.size()));
  }

  private void creates() throws Exception {
    System.out.printf("%nCreateCustomer (with a request_id, as registers send) vs a plain INSERT of the same row, into another tenant%n");
    System.out.printf("%-10s %9s %8s %8s | %9s %8s %8s | %6s%n", "clients", "gRPC /s", "p50", "p95", "SQL /s", "p50", "p95", "/s x");
    for (int clients : new int[] {1, 16}) {
      Load.Compared compared = Load.compare(clients, warmup, measure, create(), insert());
      Latencies grpc = compared.first();
      Latencies sql = compared.second();
      System.out.printf("%-10d %9.0f %8.2f %8.2f | %9.0f %8.2f %8.2f | %6.2f%n", clients,
          grpc.perSecond(), grpc.percentileMillis(50), grpc.percentileMillis(95),
          sql.perSecond(), sql.percentileMillis(50), sql.percentileMillis(95), grpc.perSecond() / sql.perSecond());
    }
  }

  private List<Shape> shapes() throws SQLException {
    try (Connection c = openSql()) {
      return SearchShapes.sample(c, tenant);
    }
  }

  /** The page query and, when the page is full, the capped count: what the service does, by hand. */
  private void sqlSearch(Connection c, SqlSearch search) throws SQLException {
    int rows = 0;
    try (PreparedStatement page = c.prepareStatement(
        "select " + COLUMNS + FROM + " and " + search.conditions() + " order by " + search.orderBy() + " limit " + (PAGE + 1))) {
      bind(page, search);
      try (ResultSet r = page.executeQuery()) {
        int columns = r.getMetaData().getColumnCount();
        while (r.next()) {
          rows++;
          for (int i = 1; i <= columns; i++) {
            r.getObject(i);
          }
        }
      }
    }
    if (rows > PAGE) {
      // The total as the service gives it: the planner's estimate, and a
      // count up to 1,001 unless the estimate is over 2,000.
      double estimate = 0;
      try (PreparedStatement explain = c.prepareStatement("explain select 1" + FROM + " and " + search.conditions())) {
        bind(explain, search);
        try (ResultSet r = explain.executeQuery()) {
          r.next();
          Matcher m = ROWS.matcher(r.getString(1));
          estimate = m.find() ? Double.parseDouble(m.group(1)) : 0;
        }
      }
      if (estimate <= 2_000) {
        try (PreparedStatement count = c.prepareStatement(
            "select count(*) from (select 1" + FROM + " and " + search.conditions() + " limit 1001) s")) {
          bind(count, search);
          try (ResultSet r = count.executeQuery()) {
            r.next();
          }
        }
      }
    }
  }

  private static final Pattern ROWS = Pattern.compile("rows=(\\d+)");

  private void bind(PreparedStatement statement, SqlSearch search) throws SQLException {
    statement.setObject(1, tenant);
    int i = 2;
    for (Object parameter : search.parameters()) {
      if (parameter instanceof String[] array) {
        statement.setArray(i++, statement.getConnection().createArrayOf("text", array));
      } else {
        statement.setObject(i++, parameter);
      }
    }
  }

  /** A plain INSERT of {@code row} for {@code tenant}: the SQL side of a create. */
  static void insert(Connection c, UUID tenant, CustomerGenerator.Row row) throws SQLException {
    insert(c, tenant, row, null);
  }

  /** Inserts the row, with an external reference unless null. */
  static void insert(Connection c, UUID tenant, CustomerGenerator.Row row, String externalReference) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(
        "insert into customer (tenant_id, id, source, first_name, last_name, company, email, mobile_phone, home_phone,"
            + " address_line_1, city, postal_code, country_code, custom_identifier, tags, birth_date, notes, external_reference)"
            + " values (?, ?, 'API', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setObject(1, tenant);
      insert.setObject(2, UUID.randomUUID());
      insert.setString(3, row.firstName());
      insert.setString(4, row.lastName());
      insert.setString(5, row.company());
      insert.setString(6, row.email());
      insert.setString(7, row.mobilePhone());
      insert.setString(8, row.homePhone());
      insert.setString(9, row.addressLine1());
      insert.setString(10, row.city());
      insert.setString(11, row.postalCode());
      insert.setString(12, row.countryCode());
      insert.setString(13, row.customIdentifier());
      insert.setArray(14, c.createArrayOf("text", row.tags().toArray()));
      insert.setObject(15, row.birthDate());
      insert.setString(16, row.notes());
      insert.setString(17, externalReference);
      insert.executeUpdate();
    }
  }

  static Customer toCustomer(CustomerGenerator.Row row) {
    Customer.Builder c = Customer.newBuilder().setFirstName(row.firstName()).setLastName(row.lastName()).addAllTags(row.tags());
    if (row.company() != null) {
      c.setCompany(row.company());
    }
    if (row.email() != null) {
      c.setEmail(row.email());
    }
    if (row.mobilePhone() != null) {
      c.setMobilePhone(row.mobilePhone());
    }
    if (row.homePhone() != null) {
      c.setHomePhone(row.homePhone());
    }
    if (row.postalCode() != null) {
      c.getAddressBuilder().setAddressLine1(row.addressLine1()).setCity(row.city()).setPostalCode(row.postalCode())
          .setCountryCode(row.countryCode());
    }
    if (row.customIdentifier() != null) {
      c.setCustomIdentifier(row.customIdentifier());
    }
    if (row.notes() != null) {
      c.setNotes(row.notes());
    }
    return c.build();
  }

  private synchronized Connection connection(int client) throws SQLException {
    while (sqlConnections.size() <= client) {
      Connection c = openSql();
      c.setAutoCommit(true);
      sqlConnections.add(c);
    }
    return sqlConnections.get(client);
  }

  /** The SQL side of a create: a plain program's connection, as {@link WritesBenchmark}'s. */
  private synchronized Connection insertConnection(int client) throws SQLException {
    while (insertConnections.size() <= client) {
      insertConnections.add(WritesBenchmark.plainConnection(jdbcUrl));
    }
    return insertConnections.get(client);
  }

  void close() throws SQLException {
    for (Connection c : sqlConnections) {
      c.close();
    }
    for (Connection c : insertConnections) {
      c.close();
    }
  }

  /**
   * A connection of the SQL side's own, with the settings of the server's
   * connections for statements planned for their values: each run planned
   * anew (past five runs PostgreSQL may keep a generic plan, which took the
   * tag filter with text from 9 to 90 ms) and no parallel workers.
   */
  private Connection openSql() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("options", Database.sessionOptions(Bench.STATEMENT_TIMEOUT, false));
    return DriverManager.getConnection(jdbcUrl, properties);
  }

  /** The columns the service reads for a customer, so that both sides move the same data. */
  private static String columns() {
    List<String> names = new ArrayList<>();
    for (Field<?> f : CustomerRepository.STORED_FIELDS) {
      names.add("c." + f.getName());
    }
    names.add("t.discount_percent");
    names.add("t.tax_class_id");
    names.add("(select d.id from tax_class d where d.tenant_id = c.tenant_id and d.is_default) as default_tax_class_id");
    return String.join(", ", names).toLowerCase(Locale.ROOT);
  }
}
