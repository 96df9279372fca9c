package retail.customers.server.exchange;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.JSONB;

/**
 * Values in PostgreSQL's COPY text format: tab between columns, {@code \N}
 * for NULL, backslash escapes for backslash, tab, line feed and carriage
 * return; arrays as {@code {"a","b"}} literals.
 */
final class CopyText {
  private final StringBuilder text;

  CopyText(int capacity) {
    text = new StringBuilder(capacity);
  }

  /** Appends one row of values (as jOOQ reads them from a record). */
  void row(Object[] values) {
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        text.append('\t');
      }
      value(values[i]);
    }
    text.append('\n');
  }

  /** The rows so far, as COPY's text format. */
  @Override
  public String toString() {
    return text.toString();
  }

  private void value(Object value) {
    switch (value) {
      case null -> text.append("\\N");
      case String s -> escaped(s);
      case UUID u -> text.append(u);
      case OffsetDateTime t -> text.append(t);
      case LocalDate d -> text.append(d);
      case BigDecimal d -> text.append(d.toPlainString());
      case JSONB json -> escaped(json.data());
      case String[] array -> escaped(arrayLiteral(array));
      default -> throw new IllegalArgumentException("no COPY form for " + value.getClass());
    }
  }

  private void escaped(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> text.append("\\\\");
        case '\t' -> text.append("\\t");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        default -> text.append(c);
      }
    }
  }

  private static String arrayLiteral(String[] array) {
    StringBuilder literal = new StringBuilder("{");
    for (int i = 0; i < array.length; i++) {
      if (i > 0) {
        literal.append(',');
      }
      literal.append('"');
      for (char c : array[i].toCharArray()) {
        if (c == '"' || c == '\\') {
          literal.append('\\');
        }
        literal.append(c);
      }
      literal.append('"');
    }
    return literal.append('}').toString();
  }
}
