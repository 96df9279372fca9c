package retail.customers.server.exchange;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * How values look in a cell, the same for export and import: times in ISO
 * 8601 UTC to the second ("2024-03-05T14:07:09Z"), dates as "1984-02-29",
 * decimals with a dot and two decimals ("15.00"), marketing consent as
 * "yes", "no" or empty (never asked). A cell that a spreadsheet would run as a
 * formula (starting with = + - @, a tab or a carriage return) gets a leading
 * apostrophe, which spreadsheets show as text and an import removes again:
 * so "+15145550123" is written "'+15145550123".
 */
final class CsvCells {
  static final String YES = "yes";
  static final String NO = "no";
  private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

  private CsvCells() {}

  /** Appends one record (RFC 4180: quoted only when needed, CRLF at the end). */
  static void appendRecord(StringBuilder out, String[] cells) {
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      appendCell(out, cells[i]);
    }
    out.append("\r\n");
  }

  private static void appendCell(StringBuilder out, String cell) {
    if (cell == null || cell.isEmpty()) {
      return;
    }
    boolean quote = false;
    for (int i = 0; i < cell.length() && !quote; i++) {
      char c = cell.charAt(i);
      quote = c == ',' || c == '"' || c == '\r' || c == '\n';
    }
    // A cell with a leading or trailing space is quoted too, so that no reader trims it.
    quote |= cell.charAt(0) == ' ' || cell.charAt(cell.length() - 1) == ' ';
    if (!quote) {
      out.append(cell);
      return;
    }
    out.append('"');
    for (int i = 0; i < cell.length(); i++) {
      char c = cell.charAt(i);
      if (c == '"') {
        out.append('"');
      }
      out.append(c);
    }
    out.append('"');
  }

  static String neutralize(String value) {
    return value != null && !value.isEmpty() && isFormulaStart(value.charAt(0)) ? "'" + value : value;
  }

  static String unneutralize(String cell) {
    return cell.length() >= 2 && cell.charAt(0) == '\'' && isFormulaStart(cell.charAt(1)) ? cell.substring(1) : cell;
  }

  private static boolean isFormulaStart(char c) {
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
  }

  static String time(OffsetDateTime time) {
    return time == null ? "" : TIME.format(time.toInstant().truncatedTo(ChronoUnit.SECONDS));
  }

  /** A time cell: an ISO 8601 instant or offset date-time, or a date (midnight UTC). */
  static Optional<OffsetDateTime> parseTime(String cell) {
    try {
      return Optional.of(OffsetDateTime.parse(cell));
    } catch (RuntimeException e) {
      // other forms below
    }
    try {
      return Optional.of(Instant.parse(cell).atOffset(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      // a date?
    }
    try {
      return Optional.of(java.time.LocalDate.parse(cell).atStartOfDay().atOffset(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  static String consent(String state) {
    if (state == null) {
      return "";
    }
    return state.equals("GRANTED") ? YES : NO;
  }

  /** A consent cell: yes/no (or oui/non, true/false, 1/0, x), or empty for never asked. */
  static Optional<Boolean> parseConsent(String cell) {
    return switch (cell.strip().toLowerCase(Locale.ROOT)) {
      case "yes", "y", "oui", "o", "true", "1", "x" -> Optional.of(true);
      case "no", "n", "non", "false", "0" -> Optional.of(false);
      default -> Optional.empty();
    };
  }
}
