package retail.customers.server.db;

import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * SQL rendered once and run many times. jOOQ renders a statement's tree of
 * query parts on every execution, and for the everyday customer calls that
 * rendering was the largest single use of the server's CPU (a fifth of the
 * writes benchmark's samples). A statement whose shape is fixed is rendered
 * here once, with bind markers where its values go, and run as plain SQL
 * with its values: still through jOOQ, so that its execute listeners (the
 * call's cancellation) apply.
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
   * which jOOQ binds as text (times, decimals, arrays, JSON) and PostgreSQL
   * would otherwise refuse to assign.
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

  /** A value as it is bound to a marker of {@link #bind}. */
  public static Object value(Object value) {
    return value instanceof JSONB json ? json.data() : value;
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
