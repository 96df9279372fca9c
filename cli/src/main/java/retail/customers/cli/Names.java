package retail.customers.cli;

/** Resource names as staff type them: a bare id, or the full name. */
final class Names {
  private Names() {}

  /** {@code customers/{id}} from {@code id} or {@code customers/{id}}. */
  static String of(String collection, String typed) {
    return typed.startsWith(collection + "/") ? typed : collection + "/" + typed;
  }
}
