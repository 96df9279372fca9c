package retail.customers.server.validation;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * E-mail addresses: a pragmatic check of the shape (local part, "@", a domain
 * with a dot), not RFC 5322's full grammar, which accepts addresses no mail
 * system delivers to. The domain is stored in lower case; the local part is
 * kept as written, since it may be case-sensitive.
 */
public final class Emails {
  public static final int MAX_LENGTH = 254;
  private static final Pattern LOCAL = Pattern.compile("[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~.-]{1,64}");
  private static final Pattern DOMAIN =
      Pattern.compile("(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?\\.)+[\\p{L}]{2,63}");

  private Emails() {}

  /** The stored form of {@code input}, or empty if it is not an e-mail address. */
  public static Optional<String> normalize(String input) {
    String email = input.strip();
    int at = email.lastIndexOf('@');
    if (email.length() > MAX_LENGTH || at <= 0) {
      return Optional.empty();
    }
    String local = email.substring(0, at);
    String domain = email.substring(at + 1).toLowerCase(Locale.ROOT);
    if (!LOCAL.matcher(local).matches() || local.startsWith(".") || local.endsWith(".") || local.contains("..")
        || !DOMAIN.matcher(domain).matches()) {
      return Optional.empty();
    }
    return Optional.of(local + "@" + domain);
  }
}
