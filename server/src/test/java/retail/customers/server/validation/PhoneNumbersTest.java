package retail.customers.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneNumbersTest {
  @ParameterizedTest
  @ValueSource(strings = {"(514) 555-0123", "514.555.0123", "514 555 0123", "+1 514 555 0123", "1-514-555-0123", "+15145550123"})
  void anyFormattingOfTheSameNumberGivesOneE164Form(String input) {
    assertThat(PhoneNumbers.normalize(input, "CA")).contains("+15145550123");
  }

  @Test
  void numberWithoutPrefixIsReadInTheDefaultRegion() {
    assertThat(PhoneNumbers.normalize("01 23 45 67 89", "FR")).contains("+33123456789");
    assertThat(PhoneNumbers.normalize("01 23 45 67 89", "CA")).isEmpty();
  }

  @Test
  void internationalPrefixWinsOverTheDefaultRegion() {
    assertThat(PhoneNumbers.normalize("+33 1 23 45 67 89", "CA")).contains("+33123456789");
    assertThat(PhoneNumbers.normalize("+1 514 555 0123", "FR")).contains("+15145550123");
  }

  @Test
  void extensionIsKept() {
    assertThat(PhoneNumbers.normalize("514-555-0123 ext. 12", "CA")).contains("+15145550123;ext=12");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "123", "555-0123", "not a phone", "+1 514 555 01234 5", "+999 123 456 789"})
  void whatIsNotAValidNumberOfItsRegionIsRejected(String input) {
    assertThat(PhoneNumbers.normalize(input, "CA")).isEmpty();
  }
}
