package retail.customers.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import retail.customers.client.CustomersException;
import retail.customers.v1.Customer;

/** Prints results: aligned tables for people, one JSON object per line for scripts. */
final class Output {
  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final PrintWriter out;
  private final boolean json;

  Output(PrintWriter out, boolean json) {
    this.out = out;
    this.json = json;
  }

  /** A column of a table: its heading, and what it shows of a row. */
  record Column<T>(String heading, Function<T, String> value) {}

  static final List<Column<Customer>> CUSTOMER_COLUMNS = List.of(
      new Column<>("NAME", Customer::getName),
      new Column<>("FIRST", Customer::getFirstName),
      new Column<>("LAST", Customer::getLastName),
      new Column<>("COMPANY", Customer::getCompany),
      new Column<>("EMAIL", Customer::getEmail),
      new Column<>("MOBILE", Customer::getMobilePhone),
      new Column<>("TAGS", c -> String.join(",", c.getTagsList())));

  /** The rows as a table (or JSON lines). */
  <T extends MessageOrBuilder> void table(Iterable<T> rows, List<Column<T>> columns) {
    if (json) {
      rows.forEach(this::json);
      return;
    }
    List<String[]> lines = new ArrayList<>();
    lines.add(columns.stream().map(Column::heading).toArray(String[]::new));
    for (T row : rows) {
      lines.add(columns.stream().map(c -> c.value().apply(row)).toArray(String[]::new));
    }
    int[] widths = new int[columns.size()];
    for (String[] line : lines) {
      for (int i = 0; i < line.length; i++) {
        widths[i] = Math.max(widths[i], line[i].length());
      }
    }
    for (String[] line : lines) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < line.length; i++) {
        text.append(i == line.length - 1 ? line[i] : String.format("%-" + widths[i] + "s  ", line[i]));
      }
      out.println(text.toString().stripTrailing());
    }
  }

  /** One record: its fields, one per line (or one JSON object). */
  void record(MessageOrBuilder message) {
    if (json) {
      json(message);
    } else {
      out.print(com.google.protobuf.TextFormat.printer().escapingNonAscii(false).printToString(message));
    }
  }

  /** A line of text, not data (skipped in JSON mode, where only data goes to standard output). */
  void note(String line) {
    if (!json) {
      out.println(line);
    }
  }

  /**
   * What a delete did: for people one line ("deleted customerTypes/...,
   * 3 customers reassigned"); for scripts {@code {"name":...,"deleted":true,
   * "affectedCustomers":3}}. {@code affected} is null when the call says
   * nothing of customers.
   */
  void deleted(String name, Long affected, String how) {
    if (json) {
      JsonObject object = new JsonObject();
      object.addProperty("name", name);
      object.addProperty("deleted", true);
      if (affected != null) {
        object.addProperty("affectedCustomers", affected);
      }
      out.println(object);
    } else {
      out.println("deleted " + name
          + (affected == null || affected == 0 ? "" : String.format(", %,d customer%s %s", affected, affected == 1 ? "" : "s", how)));
    }
  }

  private void json(MessageOrBuilder message) {
    try {
      out.println(JSON.print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** A failure as staff read it: what the server said, then each field at fault. */
  static String describe(CustomersException failure) {
    StringBuilder text = new StringBuilder("customers: ").append(failure.status().getDescription());
    if (failure instanceof CustomersException.InvalidArgumentException invalid) {
      invalid.violations().forEach(v -> text.append("\n  ").append(v.field()).append(": ").append(v.description()));
    }
    if (failure instanceof CustomersException.PermissionDeniedException denied) {
      text.append("\n  the key needs the scope ").append(denied.scope());
    }
    return text.toString();
  }
}
