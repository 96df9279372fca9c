package retail.customers.server.db;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * SQL rendered once and run many times. jOOQ renders a statement's tree of
 * query parts on every execution, and for the everyday customer calls that
 * rendering was the largest single use of the server's CPU (a fifth of the
 * writes benchmark's samples). A statement whose shape is fixed is rendered
 * here once, with bind markers where its values go, and run with its
 * values over JDBC ({@link #query}).
 */
public final class Statements {
  /** Renders; never runs anything. */
  public static final DSLContext RENDER = DSL.using(SQLDialect.POSTGRES);

  private Statements() {}

  /** A bind marker for a value of the field's type. */
  public static <T> Field<T> bind(Field<T> field) {
    return bind(field.getDataType());
  }

  /**
   * A bind marker for a value of the type: a plain {@code ?} for text, whose
   * type PostgreSQL takes from where it stands; a cast for every other type,
   * so that a value bound as text (JSON) or as unknown (a null) is read as
   * that type.
   */
  public static <T> Field<T> bind(DataType<T> type) {
    String marker;
    if (type.isArray()) {
      marker = "cast(? as " + type.getArrayComponentDataType().getCastTypeName(RENDER.configuration()) + "[])";
    } else if (type.getSQLDataType().isString()) {
      marker = "?";
    } else {
      marker = "cast(? as " + type.getCastTypeName(RENDER.configuration()) + ")";
    }
    return DSL.field(DSL.raw(marker), type);
  }

  /** Reads one row of a result. */
  @FunctionalInterface
  public interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /**
   * Runs rendered SQL with its values, in order, on the context's connection
   * (its transaction's, within one), and reads every row. Plain JDBC: even
   * as plain SQL, jOOQ scanned the text for its bind markers and described
   * every result column on each execution. The call's cancellation applies
   * as to every jOOQ statement ({@link CallCancellation}), and the driver
   * keeps the statement prepared per connection.
   */
  public static <T> List<T> query(DSLContext dsl, String sql, Object[] values, RowReader<T> reader) {
    return dsl.connectionResult(connection -> {
      try (PreparedStatement statement = connection.prepareStatement(sql);
          CallCancellation.Guard guard = CallCancellation.guard(statement)) {
        for (int i = 0; i < values.length; i++) {
          bind(statement, i + 1, values[i]);
        }
        List<T> rows = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery()) {
          while (rs.next()) {
            rows.add(reader.read(rs));
          }
        }
        return rows;
      } catch (SQLException e) {
        throw new DataAccessException(e.getMessage(), e);
      }
    });
  }

  /**
   * The PostgreSQL type that the driver sends with a value of each Java
   * type ({@link #bind(PreparedStatement, int, Object)}), for its nulls.
   */
  private static final Map<Class<?>, String> SENT_TYPES = Map.ofEntries(
      Map.entry(String.class, "varchar"), Map.entry(JSONB.class, "varchar"), Map.entry(UUID.class, "uuid"),
      Map.entry(OffsetDateTime.class, "timestamptz"), Map.entry(LocalDate.class, "date"), Map.entry(BigDecimal.class, "numeric"),
      Map.entry(Long.class, "int8"), Map.entry(Integer.class, "int4"), Map.entry(Boolean.class, "bool"),
      Map.entry(String[].class, "_text"), Map.entry(UUID[].class, "_uuid"));

  /** A null sent as the type of the column's other values. */
  private record TypedNull(String type) {}

  /**
   * A null for {@code field}, to run with {@link #query}: sent with the type
   * that the field's other values are sent with. The driver prepares a
   * statement anew whenever the types of its values change, and the
   * database plans it anew: an untyped null in a column that the previous
   * run filled cost a create its kept plan (0.7 ms of planning under
   * row-level security).
   */
  public static Object nullOf(Field<?> field) {
    String type = SENT_TYPES.get(field.getType());
    if (type == null) {
      throw new IllegalArgumentException("no type to send a null of " + field + " (" + field.getType().getName() + ") as");
    }
    return new TypedNull(type);
  }

  private static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
    switch (value) {
      case null -> statement.setNull(index, Types.OTHER);
      case TypedNull typed -> statement.setNull(index, Types.OTHER, typed.type());
      case JSONB json -> statement.setString(index, json.data());
      case String[] texts -> statement.setArray(index, statement.getConnection().createArrayOf("text", texts));
      case UUID[] ids -> statement.setArray(index, statement.getConnection().createArrayOf("uuid", ids));
      case byte[][] bytes -> statement.setArray(index, statement.getConnection().createArrayOf("bytea", bytes));
      default -> statement.setObject(index, value);
    }
  }

  /** The statement's SQL, every constant inlined and every marker of {@link #bind} left for its value. */
  public static String render(Query query) {
    return RENDER.renderInlined(query);
  }

  /**
   * A statement whose shape depends on a set of columns (those an INSERT or
   * UPDATE writes), rendered once per set. Clients choose the columns of an
   * update by its mask, so the sets are bounded by use; past
   * {@link #MAX_SHAPES} a set is rendered for each call, not kept.
   */
  public static final class ByColumns {
    static final int MAX_SHAPES = 1_000;

    private final Map<Field<?>, Integer> positions = new IdentityHashMap<>();
    private final Function<List<Field<?>>, Query> statement;
    private final Map<BitSet, String> rendered = new ConcurrentHashMap<>();

    /** @param columns every column a set may hold */
    public ByColumns(Field<?>[] columns, Function<List<Field<?>>, Query> statement) {
      for (int i = 0; i < columns.length; i++) {
        positions.put(columns[i], i);
      }
      this.statement = statement;
    }

    public String sql(List<Field<?>> columns) {
      BitSet key = new BitSet(positions.size());
      for (Field<?> column : columns) {
        key.set(positions.get(column));
      }
      String sql = rendered.get(key);
      if (sql == null) {
        sql = render(statement.apply(columns));
        if (rendered.size() < MAX_SHAPES) {
          rendered.put(key, sql);
        }
      }
      return sql;
    }
  }
}
