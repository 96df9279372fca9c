package retail.customers.server.search;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.SortField;
import org.jooq.impl.SQLDataType;
import retail.customers.server.customer.CustomerRow;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Violations;

/**
 * The order of a search or an export: one key and a direction, ties broken by
 * the customer id, so that every row has a unique position and keyset pages
 * neither repeat nor skip rows.
 *
 * @param key what to sort by
 * @param descending whether the largest key comes first
 */
public record SortOrder(Key key, boolean descending) {
  /** The sort keys of the API, with their database columns. */
  public enum Key {
    LAST_NAME("last_name", CUSTOMER.SORT_LAST_NAME, true),
    FIRST_NAME("first_name", CUSTOMER.SORT_FIRST_NAME, true),
    COMPANY("company", CUSTOMER.SORT_COMPANY, true),
    CREATE_TIME("create_time", CUSTOMER.CREATE_TIME, false),
    UPDATE_TIME("update_time", CUSTOMER.UPDATE_TIME, false);

    private final String apiName;
    private final Field<?> column;
    private final boolean name;

    Key(String apiName, Field<?> column, boolean name) {
      this.apiName = apiName;
      this.column = column;
      this.name = name;
    }

    /** Whether this key is a name, whose values cluster the rows a word matches. */
    public boolean isName() {
      return name;
    }
  }

  /**
   * Parses {@code order_by}: a key, optionally followed by {@code desc} (or
   * {@code asc}). Empty: by last name, or newest first when there is free text.
   */
  public static SortOrder parse(Violations violations, String orderBy, boolean hasText) {
    try {
      return parse(orderBy, hasText);
    } catch (ApiException e) {
      e.violations().forEach(v -> violations.add(v.getField(), v.getDescription()));
      return parse("", hasText);
    }
  }

  /** Like {@link #parse(Violations, String, boolean)}, failing with INVALID_ARGUMENT. */
  public static SortOrder parse(String orderBy, boolean hasText) {
    String text = orderBy.strip().toLowerCase(Locale.ROOT);
    if (text.isEmpty()) {
      return hasText ? new SortOrder(Key.CREATE_TIME, true) : new SortOrder(Key.LAST_NAME, false);
    }
    String[] parts = text.split("\\s+");
    boolean descending = parts.length == 2 && parts[1].equals("desc");
    if (parts.length > 2 || (parts.length == 2 && !descending && !parts[1].equals("asc"))) {
      throw invalid(orderBy);
    }
    for (Key key : Key.values()) {
      if (key.apiName.equals(parts[0])) {
        return new SortOrder(key, descending);
      }
    }
    throw invalid(orderBy);
  }

  private static ApiException invalid(String orderBy) {
    return ApiException.invalidField(
        "order_by",
        "\"" + orderBy + "\" is not a sort order: use last_name, first_name, company, create_time or update_time,"
            + " optionally followed by \" desc\"");
  }

  /** The order as {@code order_by} writes it ("last_name", "create_time desc"). */
  public String apiForm() {
    return key.apiName + (descending ? " desc" : "");
  }

  public Field<?> column() {
    return key.column;
  }

  /** ORDER BY key, id in this direction. */
  public List<SortField<?>> orderBy() {
    return orderBy(key.column, CUSTOMER.ID);
  }

  /**
   * ORDER BY key, id in this direction, written so that no index provides
   * the order: PostgreSQL then finds the matches first (through the trigram
   * index) and sorts them, and never walks the order's index looking for
   * them. For time keys only.
   */
  public List<SortField<?>> orderByFound() {
    if (key.name) {
      throw new IllegalStateException("name keys are walked within bounds instead");
    }
    return orderBy(field("{0} + interval '0 seconds'", key.column.getType(), key.column), CUSTOMER.ID);
  }

  /** ORDER BY the given key and id columns (of a derived table) in this direction. */
  public List<SortField<?>> orderBy(Field<?> keyColumn, Field<?> idColumn) {
    return descending ? List.of(keyColumn.desc(), idColumn.desc()) : List.of(keyColumn.asc(), idColumn.asc());
  }

  /** Rows strictly after the row whose position is {@code position} (from {@link #position}). */
  public Condition after(List<String> position) {
    return after(position, key.column, CUSTOMER.ID);
  }

  /**
   * Like {@link #after(List)}, on other columns holding the sort key and the
   * customer id (those of a table that lists customers in the same order).
   */
  public Condition after(List<String> position, Field<?> keyColumn, Field<UUID> idColumn) {
    UUID id;
    Object keyValue;
    try {
      id = UUID.fromString(position.get(1));
      keyValue = key.name ? position.get(0) : OffsetDateTime.parse(position.get(0));
    } catch (RuntimeException e) {
      throw ApiException.invalidPageToken("not a page token of this API");
    }
    @SuppressWarnings("unchecked")
    Field<Object> column = (Field<Object>) keyColumn;
    return descending
        ? row(column, idColumn).lt(val(keyValue, column), val(id))
        : row(column, idColumn).gt(val(keyValue, column), val(id));
  }

  /**
   * The sort key as text in the form {@link #after} reads, computed by
   * PostgreSQL: for an export, which reads rows as text.
   */
  public Field<String> keyText() {
    return key.name
        ? key.column.cast(SQLDataType.VARCHAR)
        : field("to_char({0} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", String.class, key.column);
  }

  /**
   * The sort key of the current row of {@code rs}: a name's from column
   * {@code keyColumn} (the normalised name is not part of the row), a time's
   * from the row itself.
   */
  public Object keyOf(ResultSet rs, int keyColumn, CustomerRow row) throws SQLException {
    return key.name ? rs.getString(keyColumn) : row.get(key.column);
  }

  /**
   * The position of a row in this order, as page tokens and resume tokens
   * store it: its sort key (from {@link #keyOf}) and its id.
   */
  public static List<String> position(Object keyValue, UUID id) {
    return List.of(String.valueOf(keyValue), id.toString());
  }
}
