package retail.customers.server.validation;

import com.google.type.Date;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Optional;

/** Conversions between {@code google.type.Date} and {@link LocalDate}. */
public final class Dates {
  private Dates() {}

  /** The full date {@code date} stands for, or empty if it is partial or impossible (2023-02-30). */
  public static Optional<LocalDate> toLocalDate(Date date) {
    if (date.getYear() <= 0 || date.getMonth() <= 0 || date.getDay() <= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDate.of(date.getYear(), date.getMonth(), date.getDay()));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  public static Date toDate(LocalDate date) {
    return Date.newBuilder().setYear(date.getYear()).setMonth(date.getMonthValue()).setDay(date.getDayOfMonth()).build();
  }
}
