package retail.customers.server.validation;

import retail.customers.server.grpc.Violations;

/** Free-text fields: trimmed, bounded in length, free of control characters. */
public final class Texts {
  private Texts() {}

  /**
   * {@code value} trimmed, or a violation on {@code field} if it is longer than
   * {@code max} characters or holds control characters (line breaks only when
   * {@code multiline}).
   */
  public static String check(Violations violations, String field, String value, int max, boolean multiline) {
    String text = value.strip();
    if (text.codePointCount(0, text.length()) > max) {
      violations.add(field, "must be at most " + max + " characters");
    } else if (hasControlCharacters(text, multiline)) {
      violations.add(field, multiline ? "must not contain control characters" : "must be a single line without control characters");
    }
    return text;
  }

  /** Whether {@code text} holds control characters (line breaks and tabs count only when not {@code multiline}). */
  public static boolean hasControlCharacters(String text, boolean multiline) {
    // A loop, not a pattern: every text field of every write passes here.
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.getType(c) == Character.CONTROL && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        return true;
      }
    }
    return false;
  }

  /** Like {@link #check}, and a violation if the trimmed value is empty. */
  public static String required(Violations violations, String field, String value, int max) {
    String text = check(violations, field, value, max, false);
    if (text.isEmpty()) {
      violations.add(field, "is required");
    }
    return text;
  }
}
