package retail.customers.server.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.PostalCodeSamples;

class PostalCodesTest {
  @ParameterizedTest(name = "{0}: \"{1}\" is stored as \"{2}\"")
  @MethodSource("retail.customers.server.testing.PostalCodeSamples#valid")
  void validCodeInAnySpacingAndCaseBecomesCanonical(String country, String sloppy, String canonical) {
    assertThat(PostalCodes.normalize(sloppy, country)).contains(canonical);
  }

  @ParameterizedTest(name = "{0}: \"{2}\" is already canonical")
  @MethodSource("retail.customers.server.testing.PostalCodeSamples#valid")
  void canonicalFormIsStable(String country, String sloppy, String canonical) {
    assertThat(PostalCodes.normalize(canonical, country)).contains(canonical);
  }

  @ParameterizedTest(name = "{0}: \"{1}\" is rejected")
  @MethodSource("retail.customers.server.testing.PostalCodeSamples#invalid")
  void codeNotInTheCountryFormatIsRejected(String country, String invalid) {
    assertThat(PostalCodes.normalize(invalid, country)).isEmpty();
  }

  @Test
  void exactlyTheTwentySixCountriesOfTheSpecHaveAFormat() {
    Set<String> spec = PostalCodeSamples.ALL.stream().map(PostalCodeSamples.Sample::country).collect(Collectors.toSet());
    assertThat(spec).hasSize(26);
    for (String country : Locale.getISOCountries()) {
      assertThat(PostalCodes.isSupported(country)).as(country).isEqualTo(spec.contains(country));
    }
  }

  @Test
  void everyExampleInErrorMessagesIsItselfAValidCode() {
    for (PostalCodeSamples.Sample sample : PostalCodeSamples.ALL) {
      for (String example : PostalCodes.example(sample.country()).split(" or ")) {
        assertThat(PostalCodes.normalize(example, sample.country())).as(sample.country() + " example " + example).isPresent();
      }
    }
  }

  @Test
  void aCodeOfOneCountryIsNotAcceptedForAnother() {
    assertThat(PostalCodes.normalize("H2X 1Y4", "FR")).isEmpty();
    assertThat(PostalCodes.normalize("75001", "CA")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"GB, sw1a  1aa, SW1A 1AA", "IE, d02 x285, D02 X285", "PL, 00-950, 00-950"})
  void otherCountriesTakeLettersDigitsSpacesAndHyphensInUpperCase(String country, String input, String stored) {
    assertThat(PostalCodes.normalize(input, country)).contains(stored);
  }

  @ParameterizedTest
  @ValueSource(strings = {"SW1A_1AA", "-1234", "ABCDEFGHIJKLMNOPQRSTU", "12\u00007"})
  void otherCountriesRejectAnythingElse(String input) {
    assertThat(PostalCodes.normalize(input, "GB")).isEmpty();
  }
}
