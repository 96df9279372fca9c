package retail.customers.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import retail.customers.client.CustomersChannel;
import retail.customers.v1.FindDuplicateCustomersRequest;
import retail.customers.v1.FindDuplicateCustomersResponse;

/**
 * FindDuplicateCustomers at scale: the whole-tenant scan (a first page,
 * which reads every customer of the tenant) against a plain SQL read of the
 * same customers' compared columns, in the same run; then one customer's
 * duplicates, for customers taken at random.
 */
final class DuplicatesBenchmark {
  private static final int SCANS = 3;
  private static final int SINGLES = 200;

  private final String jdbcUrl;
  private final CustomersChannel api;
  private final UUID tenant;

  DuplicatesBenchmark(String jdbcUrl, CustomersChannel api, UUID tenant) {
    this.jdbcUrl = jdbcUrl;
    this.api = api;
    this.tenant = tenant;
  }

  void run() throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      long customers = scalar(c, "select count(*) from customer where tenant_id = ? and merged_into is null and erase_time is null"
          + " and delete_time is null");
      System.out.printf("%nFindDuplicateCustomers over %,d active customers%n", customers);
      System.out.printf("%-44s %10s %10s %10s%n", "", "best s", "median s", "pairs");
      Latencies scan = new Latencies();
      Latencies next = new Latencies();
      Latencies read = new Latencies();
      FindDuplicateCustomersResponse first = null;
      for (int i = 0; i < SCANS; i++) {
        long started = System.nanoTime();
        first = api.customers().findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder().setPageSize(50).build());
        scan.add(System.nanoTime() - started);
        if (!first.getNextPageToken().isEmpty()) {
          started = System.nanoTime();
          api.customers().findDuplicateCustomers(
              FindDuplicateCustomersRequest.newBuilder().setPageSize(50).setPageToken(first.getNextPageToken()).build());
          next.add(System.nanoTime() - started);
        }
        started = System.nanoTime();
        scalar(c, "select count(*) from (select lower(email), array[home_phone, work_phone, mobile_phone, pager, fax],"
            + " upper(postal_code), first_name || last_name from customer where tenant_id = ? and merged_into is null"
            + " and erase_time is null and delete_time is null offset 0) s");
        read.add(System.nanoTime() - started);
      }
      System.out.printf("%-44s %10.2f %10.2f %10d%n", "whole store, first page of 50", scan.percentileMillis(0) / 1e3,
          scan.percentileMillis(50) / 1e3, first.getGroupsCount());
      System.out.printf("%-44s %10.3f %10.3f%n", "whole store, next page (from the first's pairs)", next.percentileMillis(0) / 1e3,
          next.percentileMillis(50) / 1e3);
      System.out.printf("%-44s %10.2f %10.2f%n", "SQL: read the same customers' columns", read.percentileMillis(0) / 1e3,
          read.percentileMillis(50) / 1e3);
      System.out.printf("whole-store scan / plain read: %.1f (median)%n", scan.percentileMillis(50) / read.percentileMillis(50));
      if (first.getGroupsCount() > 0) {
        System.out.printf("best pair: score %.3f, reasons %s%n", first.getGroups(0).getScore(), first.getGroups(0).getReasonsList());
      }

      List<String> names = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "select id from customer tablesample system (1) where tenant_id = ? and merged_into is null and delete_time is null limit ?")) {
        s.setObject(1, tenant);
        s.setInt(2, SINGLES);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            names.add("customers/" + r.getString(1));
          }
        }
      }
      Latencies one = new Latencies();
      int found = 0;
      for (String name : names) {
        long started = System.nanoTime();
        found += api.customers().findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder().setCustomer(name).build())
            .getGroupsCount();
        one.add(System.nanoTime() - started);
      }
      System.out.printf("one customer's duplicates (%d customers at random): p50 %.2f ms, p95 %.2f ms; %d pairs found%n",
          names.size(), one.percentileMillis(50), one.percentileMillis(95), found);
    }
  }

  private long scalar(Connection c, String sql) throws Exception {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setObject(1, tenant);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }
}
