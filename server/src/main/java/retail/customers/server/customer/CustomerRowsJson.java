package retail.customers.server.customer;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.JSONB;
import retail.customers.db.tables.records.CustomerRecord;

/**
 * Writes customer rows as one JSON array of objects, keyed by column name,
 * in the forms PostgreSQL's {@code jsonb_populate_recordset(null::customer,
 * ...)} reads back into typed rows: many rows in one parameter, with no
 * type to spell out per value and no limit of 65,535 parameters.
 */
final class CustomerRowsJson {
  private CustomerRowsJson() {}

  /** The given columns of each row. */
  static String write(List<CustomerRecord> rows, Collection<Field<?>> columns) {
    StringWriter text = new StringWriter();
    try (JsonWriter json = new JsonWriter(text)) {
      json.beginArray();
      for (CustomerRecord row : rows) {
        json.beginObject();
        for (Field<?> column : columns) {
          json.name(column.getName());
          value(json, row.get(column));
        }
        json.endObject();
      }
      json.endArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static void value(JsonWriter json, Object value) throws IOException {
    switch (value) {
      case null -> json.nullValue();
      case String s -> json.value(s);
      case BigDecimal d -> json.value(d);
      case Long l -> json.value(l);
      case Integer i -> json.value(i);
      case Boolean b -> json.value(b);
      case UUID u -> json.value(u.toString());
      case LocalDate d -> json.value(d.toString());
      case OffsetDateTime t -> json.value(t.toString());
      case JSONB j -> json.jsonValue(j.data());
      case Object[] array -> {
        json.beginArray();
        for (Object element : array) {
          value(json, element);
        }
        json.endArray();
      }
      default -> throw new IllegalArgumentException("no JSON form for a customer column of " + value.getClass());
    }
  }
}
