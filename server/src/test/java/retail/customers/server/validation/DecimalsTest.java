package retail.customers.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecimalsTest {
  @ParameterizedTest
  @CsvSource({"15, 15.00", "12.5, 12.50", "0, 0.00", "100, 100.00", "99.99, 99.99", "' 7.25 ', 7.25", "0.01, 0.01"})
  void percentHasTwoDecimals(String input, String stored) {
    assertThat(Decimals.percent(input)).hasValueSatisfying(d -> {
      assertThat(d).isEqualTo(new BigDecimal(stored));
      assertThat(d.toPlainString()).isEqualTo(stored);
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-0.01", "100.01", "101", "12.345", "0.001", "abc", "", " ", "15%", "15,5", "NaN", "Infinity"})
  void whatIsNotAPercentWithTwoDecimalsIsRejected(String input) {
    assertThat(Decimals.percent(input)).isEmpty();
  }
}
