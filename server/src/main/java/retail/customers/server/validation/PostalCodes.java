package retail.customers.server.validation;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postal code formats of the 26 countries the product supports, and their
 * canonical forms: "h2x1y4" in Canada is stored as "H2X 1Y4", "1234ab" in the
 * Netherlands as "1234 AB". Input is matched without its spaces and hyphens,
 * so any spacing the clerk typed is accepted.
 */
public final class PostalCodes {
  private record Format(Pattern compact, Function<Matcher, String> canonical, String example) {}

  private static Format digits(int n, String example) {
    return new Format(Pattern.compile("(\\d{" + n + "})"), m -> m.group(1), example);
  }

  private static Format prefixed(String prefix, int n, String canonicalPrefix, String example) {
    return new Format(Pattern.compile("(?:" + prefix + ")?(\\d{" + n + "})"), m -> canonicalPrefix + m.group(1), example);
  }

  private static final Format ZIP =
      new Format(
          Pattern.compile("(\\d{5})(\\d{4})?"),
          m -> m.group(2) == null ? m.group(1) : m.group(1) + "-" + m.group(2),
          "12345 or 12345-6789");

  private static final Map<String, Format> FORMATS =
      Map.ofEntries(
          Map.entry("AR", new Format(Pattern.compile("([A-HJ-NP-Z]\\d{4}[A-Z]{3}|\\d{4})"), m -> m.group(1), "C1425DKF or 1425")),
          Map.entry("AT", digits(4, "1010")),
          Map.entry("AU", digits(4, "2000")),
          Map.entry("BB", prefixed("BB", 5, "BB", "BB11000")),
          Map.entry("BE", digits(4, "1000")),
          Map.entry(
              "CA",
              new Format(
                  Pattern.compile("([ABCEGHJ-NPRSTVXY]\\d[ABCEGHJ-NPRSTV-Z])(\\d[ABCEGHJ-NPRSTV-Z]\\d)"),
                  m -> m.group(1) + " " + m.group(2),
                  "H2X 1Y4")),
          Map.entry("CO", digits(6, "110111")),
          Map.entry("DE", digits(5, "10115")),
          Map.entry("DK", prefixed("DK", 4, "", "2100")),
          Map.entry("ES", new Format(Pattern.compile("((?:0[1-9]|[1-4]\\d|5[0-2])\\d{3})"), m -> m.group(1), "28013")),
          Map.entry("FI", digits(5, "00100")),
          Map.entry("FR", digits(5, "75001")),
          // Hong Kong has no postal codes; addresses abroad use the placeholder 999077.
          Map.entry("HK", digits(6, "999077")),
          Map.entry("JP", new Format(Pattern.compile("(\\d{3})(\\d{4})"), m -> m.group(1) + "-" + m.group(2), "100-0001")),
          Map.entry("LU", prefixed("L", 4, "", "1009")),
          Map.entry("MX", digits(5, "06600")),
          Map.entry(
              "NL",
              new Format(Pattern.compile("([1-9]\\d{3})([A-Z]{2})"), m -> m.group(1) + " " + m.group(2), "1012 AB")),
          Map.entry("NO", digits(4, "0150")),
          Map.entry("NZ", digits(4, "6011")),
          Map.entry("PA", digits(4, "0801")),
          Map.entry("SA", ZIP),
          Map.entry("SG", digits(6, "238859")),
          Map.entry("TH", digits(5, "10200")),
          Map.entry("TT", digits(6, "100101")),
          Map.entry("UA", digits(5, "01001")),
          Map.entry("US", ZIP));

  private static final Pattern OTHER = Pattern.compile("[A-Z0-9][A-Z0-9 -]{0,19}");
  private static final Pattern SPACES = Pattern.compile("\\s+");
  private static final Pattern SEPARATORS = Pattern.compile("[\\s-]");

  private PostalCodes() {}

  /** Whether the country is one of the 26 with a checked format. */
  public static boolean isSupported(String countryCode) {
    return FORMATS.containsKey(countryCode);
  }

  /**
   * The canonical form of {@code input} in {@code countryCode}, or empty if it
   * is not a postal code of that country (any country not in the list accepts
   * up to 20 letters, digits, spaces and hyphens).
   */
  public static Optional<String> normalize(String input, String countryCode) {
    String upper = SPACES.matcher(input.strip().toUpperCase(Locale.ROOT)).replaceAll(" ");
    Format format = FORMATS.get(countryCode);
    if (format == null) {
      return OTHER.matcher(upper).matches() ? Optional.of(upper) : Optional.empty();
    }
    Matcher m = format.compact().matcher(SEPARATORS.matcher(upper).replaceAll(""));
    return m.matches() ? Optional.of(format.canonical().apply(m)) : Optional.empty();
  }

  /** An example of a valid code, for error messages. */
  public static String example(String countryCode) {
    Format format = FORMATS.get(countryCode);
    return format == null ? "letters, digits, spaces and hyphens" : format.example();
  }
}
