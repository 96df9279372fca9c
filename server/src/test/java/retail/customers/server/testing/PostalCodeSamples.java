package retail.customers.server.testing;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One sample per country of SPEC section 4: a valid postal code as a clerk
 * might type it (odd spacing, lower case, optional country prefix), its
 * canonical form as the country's post office writes it, and a code that is
 * not of that country's format.
 */
public final class PostalCodeSamples {
  private PostalCodeSamples() {}

  public record Sample(String country, String sloppy, String canonical, String invalid) {}

  public static final List<Sample> ALL =
      List.of(
          new Sample("AR", "c1425dkf", "C1425DKF", "C1425DK"),
          new Sample("AT", " 1010 ", "1010", "10100"),
          new Sample("AU", "2 000", "2000", "200"),
          new Sample("BB", "bb 11000", "BB11000", "BB1100"),
          new Sample("BE", "1000 ", "1000", "10000"),
          new Sample("CA", "h2x1y4", "H2X 1Y4", "D2X 1Y4"),
          new Sample("CO", "110 111", "110111", "11011"),
          new Sample("DE", " 10115", "10115", "1011"),
          new Sample("DK", "dk-2100", "2100", "210"),
          new Sample("ES", "28 013", "28013", "53000"),
          new Sample("FI", "00 100", "00100", "0010"),
          new Sample("FR", "75 001", "75001", "7500"),
          new Sample("HK", "999 077", "999077", "99907"),
          new Sample("JP", "1000001", "100-0001", "100-001"),
          new Sample("LU", "l-1009", "1009", "10090"),
          new Sample("MX", "06 600", "06600", "6600"),
          new Sample("NL", "1012ab", "1012 AB", "0123 AB"),
          new Sample("NO", "0150 ", "0150", "150"),
          new Sample("NZ", " 6011", "6011", "60111"),
          new Sample("PA", "0801", "0801", "080"),
          new Sample("SA", "12345 6789", "12345-6789", "1234"),
          new Sample("SG", "238 859", "238859", "23885"),
          new Sample("TH", "10 200", "10200", "1020"),
          new Sample("TT", "100 101", "100101", "10010"),
          new Sample("UA", "01 001", "01001", "0100"),
          new Sample("US", "12345 6789", "12345-6789", "1234"));

  public static Stream<Arguments> valid() {
    return ALL.stream().map(s -> Arguments.of(s.country(), s.sloppy(), s.canonical()));
  }

  public static Stream<Arguments> invalid() {
    return ALL.stream().map(s -> Arguments.of(s.country(), s.invalid()));
  }
}
