package retail.customers.client;

import com.google.protobuf.Timestamp;
import com.google.type.Date;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;

/**
 * The API's times, dates and decimals as {@code java.time} and
 * {@link BigDecimal}, and back: the messages carry protobuf Timestamps,
 * google.type.Dates and decimals as strings ({@code "15.00"}), exact.
 *
 * <pre>{@code
 * Instant created = Values.instant(customer.getCreateTime());
 * Optional<BigDecimal> discount = Values.decimal(customer.getEffectiveDiscountPercent());
 * customer.toBuilder().setBirthDate(Values.date(LocalDate.of(1984, 2, 29)));
 * }</pre>
 */
public final class Values {
  private Values() {}

  public static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  /** The date, or empty for an unset one (all zeros). */
  public static Optional<LocalDate> localDate(Date date) {
    if (date.getYear() == 0 && date.getMonth() == 0 && date.getDay() == 0) {
      return Optional.empty();
    }
    return Optional.of(LocalDate.of(date.getYear(), date.getMonth(), date.getDay()));
  }

  public static Date date(LocalDate date) {
    return Date.newBuilder().setYear(date.getYear()).setMonth(date.getMonthValue()).setDay(date.getDayOfMonth()).build();
  }

  /** A decimal as the API writes it ("15.00"), or empty for an empty string (unset). */
  public static Optional<BigDecimal> decimal(String value) {
    return value.isEmpty() ? Optional.empty() : Optional.of(new BigDecimal(value));
  }

  /** A decimal as the API reads it: plain digits, no exponent ("15.00", not "1.5E+1"). */
  public static String decimal(BigDecimal value) {
    return value.toPlainString();
  }
}
