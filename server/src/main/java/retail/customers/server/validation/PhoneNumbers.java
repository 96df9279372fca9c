package retail.customers.server.validation;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Optional;

/**
 * Phone numbers parsed and checked with libphonenumber, stored in E.164
 * ("+15145550123"), with an extension kept as ";ext=12" (RFC 3966 style).
 */
public final class PhoneNumbers {
  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  private PhoneNumbers() {}

  /**
   * The E.164 form of {@code input}, reading a number without an
   * international prefix as one of {@code defaultRegion}; empty if it is not
   * a valid number.
   */
  public static Optional<String> normalize(String input, String defaultRegion) {
    try {
      PhoneNumber number = UTIL.parse(input, defaultRegion);
      if (!UTIL.isValidNumber(number)) {
        return Optional.empty();
      }
      String e164 = UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
      return Optional.of(number.hasExtension() ? e164 + ";ext=" + number.getExtension() : e164);
    } catch (NumberParseException e) {
      return Optional.empty();
    }
  }
}
