package retail.customers.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmailsTest {
  @Test
  void domainIsLowerCasedAndLocalPartKeptAsWritten() {
    assertThat(Emails.normalize("  Betty.Smith@Example.COM ")).contains("Betty.Smith@example.com");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a@b.co", "first.last+tag@sub.example.org", "o'brien@example.ie", "élise@exämple.fr", "x_y-z@a-b.example"})
  void commonAddressesAreAccepted(String email) {
    assertThat(Emails.normalize(email)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "betty", "betty@", "@example.com", "betty@example", "betty@@example.com", "bet ty@example.com", "betty@exa mple.com",
        ".betty@example.com", "betty.@example.com", "be..tty@example.com", "betty@-example.com", "betty@example.c",
        "betty@example.123"
      })
  void whatIsNotAnAddressIsRejected(String email) {
    assertThat(Emails.normalize(email)).isEmpty();
  }

  @Test
  void localPartOver64CharactersIsRejected() {
    assertThat(Emails.normalize("a".repeat(64) + "@example.com")).isPresent();
    assertThat(Emails.normalize("a".repeat(65) + "@example.com")).isEmpty();
  }

  @Test
  void addressOver254CharactersIsRejected() {
    String domain = ("d".repeat(60) + ".").repeat(3) + "example.com"; // 194 characters
    String at254 = "a".repeat(254 - 1 - domain.length()) + "@" + domain;
    assertThat(at254).hasSize(254);
    assertThat(Emails.normalize(at254)).isPresent();
    assertThat(Emails.normalize("a" + at254)).isEmpty();
  }
}
