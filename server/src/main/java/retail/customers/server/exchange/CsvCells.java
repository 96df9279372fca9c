package retail.customers.server.exchange;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;

/**
 * How values look in a cell, the same for export and import: times in ISO
 * 8601 UTC to the second ("2024-03-05T14:07:09Z"), dates as "1984-02-29",
 * decimals with a dot and two decimals ("15.00"), marketing consent as
 * "yes", "no" or empty (never asked). A cell that a spreadsheet would run as a
 * formula (starting with = + - @, a tab or a carriage return) gets a leading
 * apostrophe, which spreadsheets show as text and an import removes again:
 * so "+15145550123" is written "'+15145550123". So does a value whose
 * apostrophes come before such a sign ("'=1+1" is written "''=1+1"), or the
 * import would remove the customer's own apostrophe.
 *
 * <p>The export has PostgreSQL write these forms (see CustomerExport and
 * csv_neutralize); this class reads them back for the import.
 */
final class CsvCells {
  static final String YES = "yes";
  static final String NO = "no";

  private CsvCells() {}

  /** The cell without the apostrophe that neutralised it: one apostrophe off, when apostrophes lead to a formula sign. */
  static String unneutralize(String cell) {
    int sign = 0;
    while (sign < cell.length() && cell.charAt(sign) == '\'') {
      sign++;
    }
    return sign > 0 && sign < cell.length() && isFormulaStart(cell.charAt(sign)) ? cell.substring(1) : cell;
  }

  private static boolean isFormulaStart(char c) {
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
  }

  /** A time cell: an ISO 8601 instant or offset date-time, or a date (midnight UTC). */
  static Optional<OffsetDateTime> parseTime(String cell) {
    try {
      return Optional.of(OffsetDateTime.parse(cell));
    } catch (RuntimeException e) {
      // a date?
    }
    try {
      return Optional.of(java.time.LocalDate.parse(cell).atStartOfDay().atOffset(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
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
