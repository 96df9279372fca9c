package retail.customers.server.validation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Pattern;

/** Percentages given as decimal strings: "0" to "100", at most two decimals. */
public final class Decimals {
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  private static final Pattern PLAIN = Pattern.compile("\\d{1,3}(\\.\\d+)?");

  private Decimals() {}

  /** The percentage {@code input} with scale 2, or empty if it is not one. */
  public static Optional<BigDecimal> percent(String input) {
    String text = input.strip();
    // Plain digits only: BigDecimal would also read "1e2" or "+15".
    if (!PLAIN.matcher(text).matches()) {
      return Optional.empty();
    }
    BigDecimal value;
    try {
      value = new BigDecimal(text);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (value.signum() < 0 || value.compareTo(HUNDRED) > 0 || value.stripTrailingZeros().scale() > 2) {
      return Optional.empty();
    }
    return Optional.of(value.setScale(2, RoundingMode.UNNECESSARY));
  }

  /** Why {@code input} is not a percentage, for the field violation. */
  public static String percentProblem() {
    return "must be a number from 0 to 100 with at most two decimals, e.g. \"15\" or \"12.5\"";
  }
}
