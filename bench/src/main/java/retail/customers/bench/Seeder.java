package retail.customers.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Fills a tenant with generated customers through {@code COPY}: the fastest
 * way in, and, like an import, a writer that goes around the service (the
 * generated search columns and the tag-count trigger still apply). The
 * customer indexes are dropped for the load and rebuilt after it, as one
 * would for a bulk load, then the table is vacuumed and analysed.
 */
final class Seeder {
  private static final String COLUMNS =
      "tenant_id, id, source, first_name, last_name, company, email, mobile_phone, home_phone, address_line_1, city,"
          + " postal_code, country_code, custom_identifier, tags, create_time, update_time, birth_date, customer_type_id, notes";
  private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneOffset.UTC);

  private final DataSource dataSource;

  Seeder(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Loads {@code count} customers into each tenant, with generators seeded per tenant. */
  void seed(List<UUID> tenants, List<Long> counts) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      List<String> indexes = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery(
              "select indexname, indexdef from pg_indexes where tablename = 'customer' and indexname <> 'customer_pkey'")) {
        while (r.next()) {
          indexes.add(r.getString(2));
          try (Statement drop = c.createStatement()) {
            drop.execute("drop index " + r.getString(1));
          }
        }
      }
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (int t = 0; t < tenants.size(); t++) {
        long started = System.nanoTime();
        List<UUID> types = pricing(c, tenants.get(t));
        long rows = copy.copyIn("copy customer (" + COLUMNS + ") from stdin", new GeneratedRows(tenants.get(t), counts.get(t), t + 1, types));
        System.out.printf("  seeded %,d customers of tenant %s in %.1f s%n", rows, tenants.get(t), (System.nanoTime() - started) / 1e9);
      }
      long started = System.nanoTime();
      try (Statement s = c.createStatement()) {
        s.execute("set maintenance_work_mem = '1GB'");
        for (String index : indexes) {
          s.execute(index);
        }
        vacuum(s);
      }
      System.out.printf("  rebuilt %d indexes and analysed in %.1f s%n", indexes.size(), (System.nanoTime() - started) / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A store's pricing, as most have one: a default tax class and a reduced
   * one, and three customer types, one with a tax class of its own. Every
   * customer read is read with its type's discount and tax class and the
   * store's default tax class: with none of them, those look-ups would find
   * no row, and cost less than in a store (row-level security's policies,
   * for one, would filter no row of theirs). Returns the types' ids.
   */
  static List<UUID> pricing(Connection c, UUID tenant) throws SQLException {
    UUID standard = UUID.randomUUID();
    UUID reduced = UUID.randomUUID();
    List<UUID> types = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
    try (PreparedStatement classes = c.prepareStatement(
            "insert into tax_class (tenant_id, id, display_name, is_default, version, create_time, update_time)"
                + " values (?, ?, 'Standard', true, 1, now(), now()), (?, ?, 'Reduced', false, 1, now(), now())");
        PreparedStatement customerTypes = c.prepareStatement(
            "insert into customer_type (tenant_id, id, display_name, discount_percent, tax_class_id, version, create_time, update_time)"
                + " values (?, ?, 'Retail', null, null, 1, now(), now()), (?, ?, 'Trade', 10, ?, 1, now(), now()),"
                + " (?, ?, 'Staff', 20, null, 1, now(), now())")) {
      classes.setObject(1, tenant);
      classes.setObject(2, standard);
      classes.setObject(3, tenant);
      classes.setObject(4, reduced);
      classes.executeUpdate();
      customerTypes.setObject(1, tenant);
      customerTypes.setObject(2, types.get(0));
      customerTypes.setObject(3, tenant);
      customerTypes.setObject(4, types.get(1));
      customerTypes.setObject(5, reduced);
      customerTypes.setObject(6, tenant);
      customerTypes.setObject(7, types.get(2));
      customerTypes.executeUpdate();
    }
    return types;
  }

  /**
   * Leaves the tables ready to measure: statistics fresh, the trigram
   * index's pending list merged (searches scan it), the visibility map set
   * (tag walks are index-only scans); then a checkpoint writes the pages the
   * vacuum dirtied, which a checkpoint of its own would otherwise write while
   * the first shapes are measured (their CPU per call on both sides doubled,
   * and postal code's ratio reached 1.8).
   */
  static void vacuum(Statement s) throws SQLException {
    s.execute("vacuum analyze customer");
    s.execute("vacuum analyze customer_tag");
    s.execute("vacuum analyze tagged_customer");
    s.execute("checkpoint");
  }

  /** The COPY text format of generated customers, produced as the server reads it (constant memory). */
  private static final class GeneratedRows extends Reader {
    private final UUID tenant;
    private final long count;
    private final CustomerGenerator generator;
    private final List<UUID> types;
    private final StringBuilder buffer = new StringBuilder(64 * 1024);
    private long next;
    private int position;

    /** @param types the customer types, given to three customers of every four in turn */
    GeneratedRows(UUID tenant, long count, long seed, List<UUID> types) {
      this.tenant = tenant;
      this.count = count;
      this.generator = new CustomerGenerator(seed);
      this.types = types;
    }

    @Override
    public int read(char[] target, int offset, int length) {
      if (position == buffer.length()) {
        buffer.setLength(0);
        position = 0;
        while (buffer.length() < 60 * 1024 && next < count) {
          append(generator.next(next), next);
          next++;
        }
        if (buffer.isEmpty()) {
          return -1;
        }
      }
      int n = Math.min(length, buffer.length() - position);
      buffer.getChars(position, position + n, target, offset);
      position += n;
      return n;
    }

    private void append(CustomerGenerator.Row row, long index) {
      String time = TIME.format(row.createTime());
      field(tenant.toString());
      field(timeOrderedId(row.createTime().toEpochMilli(), index).toString());
      field("IMPORT");
      field(row.firstName());
      field(row.lastName());
      field(row.company());
      field(row.email());
      field(row.mobilePhone());
      field(row.homePhone());
      field(row.addressLine1());
      field(row.city());
      field(row.postalCode());
      field(row.countryCode());
      field(row.customIdentifier());
      field(row.tags().isEmpty() ? "{}" : "{\"" + String.join("\",\"", row.tags()) + "\"}");
      field(time);
      field(time);
      field(row.birthDate() == null ? null : row.birthDate().toString());
      field(index % 4 == 3 ? null : types.get((int) (index % 4)).toString());
      buffer.append(row.notes() == null ? "\\N" : row.notes()).append('\n');
    }

    private void field(String value) {
      buffer.append(value == null ? "\\N" : value).append('\t');
    }

    @Override
    public void close() {}
  }

  /** A UUID version 7 for a past creation time, as the server would have made then. */
  static UUID timeOrderedId(long millis, long sequence) {
    long msb = (millis << 16) | 0x7000L | (sequence & 0x0fffL);
    long lsb = 0x8000000000000000L | (sequence * 0x9E3779B97F4A7C15L >>> 2);
    return new UUID(msb, lsb);
  }
}
