package retail.customers.server.customer;

import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.raw;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.unquotedName;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Name;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.Select;
import org.jooq.SelectOnConditionStep;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import retail.customers.server.db.Statements;
import retail.customers.db.tables.records.CustomerRecord;

/** Customers in PostgreSQL; every query is scoped to one tenant. */
public final class CustomerRepository {
  /**
   * The customer's own columns, without the generated search columns that no
   * reader needs (the search text alone is longer than most rows).
   */
  public static final List<Field<?>> STORED_FIELDS =
      Arrays.stream(CUSTOMER.fields())
          .filter(f -> !f.equals(CUSTOMER.SEARCH_TEXT) && !f.equals(CUSTOMER.SORT_LAST_NAME) && !f.equals(CUSTOMER.SORT_FIRST_NAME)
              && !f.equals(CUSTOMER.SORT_COMPANY) && !f.equals(CUSTOMER.TAG_KEYS))
          .toList();

  private static final retail.customers.db.tables.Customer MERGED_AWAY = CUSTOMER.as("merged_away");
  private static final Field<BigDecimal> TYPE_DISCOUNT =
      select(CUSTOMER_TYPE.DISCOUNT_PERCENT).from(CUSTOMER_TYPE).where(ofCustomersType()).asField();
  private static final Field<UUID> TYPE_TAX_CLASS =
      select(CUSTOMER_TYPE.TAX_CLASS_ID).from(CUSTOMER_TYPE).where(ofCustomersType()).asField();
  private static final Field<UUID> DEFAULT_TAX_CLASS =
      select(TAX_CLASS.ID).from(TAX_CLASS).where(TAX_CLASS.TENANT_ID.eq(CUSTOMER.TENANT_ID), TAX_CLASS.IS_DEFAULT.isTrue()).asField();

  /**
   * What a customer is read with: its columns, then what its effective pricing
   * is derived from (its type's discount and tax class, the store default), as
   * scalar subqueries so that the same list serves a SELECT and the RETURNING
   * clause of a write.
   */
  public static final List<Field<?>> ROW_FIELDS;

  static {
    List<Field<?>> fields = new ArrayList<>(STORED_FIELDS);
    fields.add(TYPE_DISCOUNT.as("type_discount_percent"));
    fields.add(TYPE_TAX_CLASS.as("type_tax_class_id"));
    fields.add(DEFAULT_TAX_CLASS.as("default_tax_class_id"));
    ROW_FIELDS = List.copyOf(fields);
  }

  private static Condition ofCustomersType() {
    return CUSTOMER_TYPE.TENANT_ID.eq(CUSTOMER.TENANT_ID).and(CUSTOMER_TYPE.ID.eq(CUSTOMER.CUSTOMER_TYPE_ID));
  }

  /** The effective tax class as an expression: own, else the type's, else the store default. */
  public static Field<UUID> effectiveTaxClass() {
    return coalesce(CUSTOMER.TAX_CLASS_ID, TYPE_TAX_CLASS, DEFAULT_TAX_CLASS);
  }

  /**
   * The same columns as {@link #ROW_FIELDS} for a SELECT, where the type's
   * pricing comes from a join: a join costs the planner and the executor
   * less than two subqueries per row (RETURNING cannot join, hence both).
   * They are rendered once, as SQL: they never change, and jOOQ took 15 µs
   * to render them for every search, a third of rendering a walk. Their
   * result is read from JDBC by position ({@link #toRow(ResultSet)}).
   */
  private static final Field<?> SELECTED_COLUMNS;

  static {
    List<Field<?>> fields = new ArrayList<>(STORED_FIELDS);
    fields.add(CUSTOMER_TYPE.DISCOUNT_PERCENT);
    fields.add(CUSTOMER_TYPE.TAX_CLASS_ID);
    fields.add(DEFAULT_TAX_CLASS.as("default_tax_class_id"));
    String select = DSL.using(SQLDialect.POSTGRES).render(select(fields));
    SELECTED_COLUMNS = field(raw(select.substring("select ".length())));
  }

  /**
   * The name a derived table of customer rows takes so that conditions and
   * columns written against {@link CUSTOMER} read it: PostgreSQL folds the
   * unquoted {@code CUSTOMER} to {@code customer}, the name those columns
   * are qualified with. To jOOQ it is another name, and that matters: named
   * exactly like the table, jOOQ took each derived table for a candidate
   * table of every column it rendered and compared the two by rendering
   * both, subquery and all, which was 40% of the time it took to render a
   * walk.
   */
  private static final Name DERIVED_CUSTOMER = unquotedName(CUSTOMER.getName().toUpperCase(Locale.ROOT));

  /**
   * Customers as {@link #toRow(ResultSet)} reads them, and any {@code extra}
   * columns (a sort key); callers add their conditions and read the result
   * with {@link #fetch}.
   */
  public static SelectOnConditionStep<Record> selectRows(DSLContext dsl, Field<?>... extra) {
    return selectRows(dsl, CUSTOMER, extra);
  }

  /**
   * Like {@link #selectRows(DSLContext, Field...)}, from a derived table of
   * customer rows ({@link #asCustomers}: a bounded walk of an index, say).
   */
  public static SelectOnConditionStep<Record> selectRows(DSLContext dsl, Table<?> customers, Field<?>... extra) {
    List<Field<?>> columns = new ArrayList<>(1 + extra.length);
    columns.add(SELECTED_COLUMNS);
    columns.addAll(Arrays.asList(extra));
    return dsl.select(columns)
        .from(customers)
        .leftJoin(CUSTOMER_TYPE)
        .on(ofCustomersType());
  }

  /** Customer rows selected by {@code rows}, as a derived table that reads as the table itself. */
  public static Table<?> asCustomers(Select<?> rows) {
    return rows.asTable(DERIVED_CUSTOMER);
  }

  /** Reads a row of {@link #ROW_FIELDS}. */
  public static CustomerRow toRow(Record r) {
    Object[] columns = new Object[STORED_FIELDS.size()];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = r.get(i);
    }
    int pricing = columns.length;
    return new CustomerRow(columns, (BigDecimal) r.get(pricing), (UUID) r.get(pricing + 1), (UUID) r.get(pricing + 2));
  }

  /** Reads the current row of a result of {@link #selectRows}, straight from JDBC. */
  public static CustomerRow toRow(ResultSet rs) throws SQLException {
    Object[] columns = new Object[STORED_FIELDS.size()];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = READERS[i].read(rs, i + 1);
    }
    int pricing = columns.length + 1;
    return new CustomerRow(
        columns, rs.getBigDecimal(pricing), rs.getObject(pricing + 1, UUID.class), rs.getObject(pricing + 2, UUID.class));
  }

  /** The position of the first extra column of {@link #selectRows} in its JDBC result (1-based). */
  public static final int FIRST_EXTRA_COLUMN = STORED_FIELDS.size() + 3 + 1;

  /** Maps one row of a JDBC result, positioned on it. */
  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /**
   * Runs {@code query} and maps its rows straight from the JDBC result set:
   * jOOQ still renders, binds and runs it (with the call's cancellation), but
   * building a jOOQ record for each of a page's rows, with every value
   * converted on the way, costs as much as the rest of the search.
   */
  public static <T> List<T> fetch(ResultQuery<?> query, RowMapper<T> mapper) {
    List<T> rows = new ArrayList<>();
    try (ResultSet rs = query.fetchResultSet()) {
      while (rs.next()) {
        rows.add(mapper.map(rs));
      }
    } catch (SQLException e) {
      throw new DataAccessException("cannot read customers", e);
    }
    return rows;
  }

  /** Reads one column of a JDBC result as jOOQ would give it for its field. */
  @FunctionalInterface
  private interface ColumnReader {
    Object read(ResultSet rs, int column) throws SQLException;
  }

  private static final ColumnReader[] READERS =
      STORED_FIELDS.stream().map(f -> reader(f.getType())).toArray(ColumnReader[]::new);

  private static ColumnReader reader(Class<?> type) {
    if (type == String.class) {
      return ResultSet::getString;
    } else if (type == UUID.class) {
      return (rs, i) -> rs.getObject(i, UUID.class);
    } else if (type == OffsetDateTime.class) {
      return (rs, i) -> rs.getObject(i, OffsetDateTime.class);
    } else if (type == Long.class) {
      return (rs, i) -> rs.getObject(i, Long.class);
    } else if (type == LocalDate.class) {
      return (rs, i) -> rs.getObject(i, LocalDate.class);
    } else if (type == BigDecimal.class) {
      return ResultSet::getBigDecimal;
    } else if (type == String[].class) {
      return (rs, i) -> {
        Array array = rs.getArray(i);
        return array == null ? null : (String[]) array.getArray();
      };
    } else if (type == JSONB.class) {
      return (rs, i) -> {
        String json = rs.getString(i);
        return json == null ? null : JSONB.valueOf(json);
      };
    }
    throw new IllegalStateException("no reader for customer columns of type " + type.getName());
  }

  /** A customer read on its own, and the customers merged into it. */
  record Read(CustomerRow row, List<UUID> merged) {}

  /**
   * The ids of the customers merged into the row's customer, oldest merge
   * first, in the row's own statement: a merge points every customer merged
   * into the one it merges away at the survivor, so the direct ones are all.
   */
  private static final Field<UUID[]> MERGED =
      field(select(DSL.arrayAgg(MERGED_AWAY.ID).orderBy(MERGED_AWAY.UPDATE_TIME, MERGED_AWAY.ID))
          .from(MERGED_AWAY)
          .where(MERGED_AWAY.TENANT_ID.eq(CUSTOMER.TENANT_ID), MERGED_AWAY.MERGED_INTO.eq(CUSTOMER.ID)));

  private static Read read(ResultSet rs) throws SQLException {
    Array merged = rs.getArray(FIRST_EXTRA_COLUMN);
    return new Read(toRow(rs), merged == null ? List.of() : List.of((UUID[]) merged.getArray()));
  }

  private static final String FIND =
      Statements.render(selectRows(Statements.RENDER, MERGED).where(CUSTOMER.TENANT_ID.eq(Statements.bind(CUSTOMER.TENANT_ID)),
          CUSTOMER.ID.eq(Statements.bind(CUSTOMER.ID))));
  // One array parameter: one statement (and one cached plan) whatever the number of ids.
  private static final String FIND_ALL =
      Statements.render(selectRows(Statements.RENDER, MERGED).where(CUSTOMER.TENANT_ID.eq(Statements.bind(CUSTOMER.TENANT_ID)),
          CUSTOMER.ID.eq(DSL.any(Statements.bind(CUSTOMER.ID.getDataType().getArrayDataType())))));

  Optional<Read> find(DSLContext dsl, UUID tenantId, UUID id) {
    return Statements.query(dsl, FIND, new Object[] {tenantId, id}, CustomerRepository::read).stream().findFirst();
  }

  List<Read> findAll(DSLContext dsl, UUID tenantId, Collection<UUID> ids) {
    return Statements.query(dsl, FIND_ALL, new Object[] {tenantId, ids.toArray(UUID[]::new)}, CustomerRepository::read);
  }

  /** The rows of the customers merged into {@code survivor}, locked. */
  List<CustomerRecord> mergedIntoForUpdate(DSLContext tx, UUID tenantId, UUID survivor) {
    return tx.selectFrom(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.MERGED_INTO.eq(survivor))
        .orderBy(CUSTOMER.ID)
        .forUpdate()
        .fetch();
  }

  /** Points the customers merged into {@code from} at {@code to}, which {@code from} is being merged into. */
  void repointMerged(DSLContext tx, UUID tenantId, UUID from, UUID to) {
    tx.update(CUSTOMER)
        .set(CUSTOMER.MERGED_INTO, to)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.MERGED_INTO.eq(from))
        .execute();
  }

  private static final String FIND_FOR_UPDATE =
      Statements.render(Statements.RENDER.select(STORED_FIELDS).from(CUSTOMER)
          .where(CUSTOMER.TENANT_ID.eq(Statements.bind(CUSTOMER.TENANT_ID)), CUSTOMER.ID.eq(Statements.bind(CUSTOMER.ID)))
          .forUpdate());

  /** The row's stored columns (not the generated search columns, which nothing writes), locked. */
  Optional<CustomerRecord> findForUpdate(DSLContext tx, UUID tenantId, UUID id) {
    return Statements.query(tx, FIND_FOR_UPDATE, new Object[] {tenantId, id}, CustomerRepository::record).stream().findFirst();
  }

  /** A row of {@link #STORED_FIELDS} as a record, as read: what an update compares with. */
  private static CustomerRecord record(ResultSet rs) throws SQLException {
    CustomerRecord row = new CustomerRecord();
    for (int i = 0; i < READERS.length; i++) {
      set(row, STORED_FIELDS.get(i), READERS[i].read(rs, i + 1));
    }
    row.changed(false);
    return row;
  }

  @SuppressWarnings("unchecked")
  private static <T> void set(CustomerRecord row, Field<T> field, Object value) {
    row.set(field, (T) value);
  }

  /** The live customer with this external reference, if any. */
  Optional<UUID> findByExternalReference(DSLContext tx, UUID tenantId, String reference) {
    return tx.select(CUSTOMER.ID)
        .from(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.EXTERNAL_REFERENCE.eq(reference))
        .fetchOptional(CUSTOMER.ID);
  }

  /** The oldest customer (not erased nor merged) with this e-mail, ignoring case. */
  Optional<UUID> findByEmail(DSLContext tx, UUID tenantId, String email) {
    return tx.select(CUSTOMER.ID)
        .from(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), lower(CUSTOMER.EMAIL).eq(lower(email)), live())
        .orderBy(CUSTOMER.CREATE_TIME, CUSTOMER.ID)
        .limit(1)
        .fetchOptional(CUSTOMER.ID);
  }

  /** The INSERTs of each set of columns, rendered once. */
  private static final Statements.ByColumns INSERTS = new Statements.ByColumns(CUSTOMER.fields(), columns ->
      Statements.RENDER.insertInto(CUSTOMER, columns).values(columns.stream().map(Statements::bind).toList()).returningResult(ROW_FIELDS));

  /** The INSERTs of many rows that set the same columns, the rows as one JSON array, rendered once per set. */
  private static final Statements.ByColumns INSERTS_FROM_JSON = new Statements.ByColumns(CUSTOMER.fields(), columns -> {
    Table<?> values = DSL.table("jsonb_populate_recordset(null::customer, {0})", Statements.bind(org.jooq.impl.SQLDataType.JSONB)).as("v");
    return Statements.RENDER.insertInto(CUSTOMER, columns)
        .select(DSL.select(columns.stream().map(column -> DSL.field(DSL.name("v", column.getName()), column.getDataType())).toList())
            .from(values))
        .returningResult(ROW_FIELDS);
  });

  /** The UPDATEs of each set of columns, rendered once; the tenant and id are bound last. */
  private static final Statements.ByColumns UPDATES = new Statements.ByColumns(CUSTOMER.fields(), columns -> {
    Map<Field<?>, Field<?>> set = new java.util.LinkedHashMap<>();
    columns.forEach(column -> set.put(column, Statements.bind(column)));
    set.put(CUSTOMER.VERSION, CUSTOMER.VERSION.plus(1));
    set.put(CUSTOMER.UPDATE_TIME, currentOffsetDateTime());
    return Statements.RENDER.update(CUSTOMER).set(set)
        .where(CUSTOMER.TENANT_ID.eq(Statements.bind(CUSTOMER.TENANT_ID)), CUSTOMER.ID.eq(Statements.bind(CUSTOMER.ID)))
        .returningResult(ROW_FIELDS);
  });

  /** Inserts a row and reads it back in the same statement. */
  CustomerRow insert(DSLContext tx, CustomerRecord row) {
    List<Field<?>> columns = changed(row);
    return Statements.query(tx, INSERTS.sql(columns), values(row, columns, 0), CustomerRepository::toRow).getFirst();
  }

  /** The row's changed fields, in the table's order. */
  private static List<Field<?>> changed(CustomerRecord row) {
    List<Field<?>> columns = new ArrayList<>();
    for (Field<?> field : CUSTOMER.fields()) {
      if (row.changed(field)) {
        columns.add(field);
      }
    }
    return columns;
  }

  /** The fields that any of the rows changed, in the table's order. */
  private static List<Field<?>> changedInAny(List<CustomerRecord> rows) {
    Set<Field<?>> changed = new HashSet<>();
    rows.forEach(row -> changed.addAll(changed(row)));
    return Arrays.stream(CUSTOMER.fields()).filter(changed::contains).toList();
  }

  /** The row's values of these columns, with room for {@code more} after them. */
  private static Object[] values(CustomerRecord row, List<Field<?>> columns, int more) {
    Object[] values = new Object[columns.size() + more];
    for (int i = 0; i < columns.size(); i++) {
      Object value = row.get(columns.get(i));
      values[i] = value != null ? value : Statements.nullOf(columns.get(i));
    }
    return values;
  }

  /**
   * Inserts rows that set the same columns (rows of {@link
   * CustomerCommands#newRecord} do) in one statement, the rows as one JSON
   * parameter, and reads them back, by id. Rendering a VALUES list of a
   * thousand rows with jOOQ and binding their 44,000 values was a third of
   * a batch's CPU in the server.
   */
  Map<UUID, CustomerRow> insertAll(DSLContext tx, List<CustomerRecord> rows) {
    List<Field<?>> columns = changed(rows.getFirst());
    if (!rows.stream().allMatch(row -> changed(row).equals(columns))) {
      // A column left out of one row would be null there, not its default.
      throw new IllegalArgumentException("rows inserted together must set the same columns");
    }
    Map<UUID, CustomerRow> inserted = new HashMap<>();
    Object[] json = {JSONB.jsonb(CustomerRowsJson.write(rows, columns))};
    for (CustomerRow row : Statements.query(tx, INSERTS_FROM_JSON.sql(columns), json, CustomerRepository::toRow)) {
      inserted.put(row.id(), row);
    }
    return inserted;
  }

  /** Writes the changed fields of {@code row}, bumping its version, and reads it back in the same statement. */
  CustomerRow update(DSLContext tx, CustomerRecord row) {
    keepModified(row);
    List<Field<?>> columns = changed(row);
    Object[] values = values(row, columns, 2);
    values[columns.size()] = row.getTenantId();
    values[columns.size() + 1] = row.getId();
    return Statements.query(tx, UPDATES.sql(columns), values, CustomerRepository::toRow).getFirst();
  }

  private static final String LOCK_ALL =
      Statements.render(Statements.RENDER.select(STORED_FIELDS).from(CUSTOMER)
          .where(CUSTOMER.TENANT_ID.eq(Statements.bind(CUSTOMER.TENANT_ID)),
              CUSTOMER.ID.eq(DSL.any(Statements.bind(CUSTOMER.ID.getDataType().getArrayDataType()))))
          .orderBy(CUSTOMER.ID)
          .forUpdate());

  /**
   * The stored columns of these customers, locked in the order of their ids
   * (so two batches cannot deadlock), by id.
   */
  Map<UUID, CustomerRecord> lockAll(DSLContext tx, UUID tenantId, Collection<UUID> ids) {
    Map<UUID, CustomerRecord> locked = new HashMap<>();
    for (CustomerRecord row : Statements.query(tx, LOCK_ALL, new Object[] {tenantId, ids.toArray(UUID[]::new)}, CustomerRepository::record)) {
      locked.put(row.getId(), row);
    }
    return locked;
  }

  /**
   * Writes the changed fields of each row, bumping its version, in one
   * statement (the rows travel as one JSON parameter), and reads them back,
   * by id. A field that one row changes is written for every row, with its
   * value as read where it did not change.
   */
  Map<UUID, CustomerRow> updateAll(DSLContext tx, UUID tenantId, List<CustomerRecord> rows) {
    rows.forEach(CustomerRepository::keepModified);
    List<Field<?>> written = changedInAny(rows);
    List<Field<?>> columns = new ArrayList<>(written);
    columns.add(CUSTOMER.ID);
    Table<?> values = DSL.table("jsonb_populate_recordset(null::customer, {0})",
        DSL.val(CustomerRowsJson.write(rows, columns)).cast(org.jooq.impl.SQLDataType.JSONB)).as("v");
    Map<Field<?>, Field<?>> set = new java.util.LinkedHashMap<>();
    for (Field<?> field : written) {
      set.put(field, DSL.field(DSL.name("v", field.getName()), field.getDataType()));
    }
    set.put(CUSTOMER.VERSION, CUSTOMER.VERSION.plus(1));
    set.put(CUSTOMER.UPDATE_TIME, currentOffsetDateTime());
    Map<UUID, CustomerRow> updated = new HashMap<>();
    for (CustomerRow row : fetch(
        tx.update(CUSTOMER).set(set).from(values)
            .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.ID.eq(DSL.field(DSL.name("v", CUSTOMER.ID.getName()), UUID.class)))
            .returningResult(ROW_FIELDS),
        CustomerRepository::toRow)) {
      updated.put(row.id(), row);
    }
    return updated;
  }

  /**
   * Marks unchanged the fields that were set to the value they had when
   * read: an update of a customer's notes writes its notes, not every field
   * the mapper set.
   */
  private static void keepModified(CustomerRecord row) {
    for (Field<?> field : CUSTOMER.fields()) {
      if (row.changed(field) && java.util.Objects.deepEquals(row.original(field), row.get(field))) {
        row.changed(field, false);
      }
    }
  }

  /** Neither erased nor merged away. */
  static Condition live() {
    return CUSTOMER.ERASE_TIME.isNull().and(CUSTOMER.MERGED_INTO.isNull());
  }
}
