package retail.customers.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.type.Date;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void timesDatesAndDecimalsGoBothWaysExactly() {
    Instant instant = Instant.parse("2024-03-05T14:07:09.123456789Z");
    LocalDate leapDay = LocalDate.of(1984, 2, 29);

    assertThat(Values.instant(Values.timestamp(instant))).isEqualTo(instant);
    assertThat(Values.localDate(Values.date(leapDay))).contains(leapDay);
    assertThat(Values.localDate(Date.getDefaultInstance())).isEmpty();
    assertThat(Values.decimal("15.00")).contains(new BigDecimal("15.00"));
    assertThat(Values.decimal("")).isEmpty();
    assertThat(Values.decimal(new BigDecimal("1.5E+1"))).isEqualTo("15");
  }
}
