package retail.customers.server.grpc;

/**
 * Etags from row versions. The version is a counter that every write bumps;
 * the etag is its text, quoted so that it is never mistaken for a number
 * clients may do arithmetic on.
 */
public final class Etags {
  private Etags() {}

  public static String of(long version) {
    return "\"" + version + "\"";
  }

  /** ABORTED if {@code given} is set and is not the etag of {@code currentVersion}. */
  public static void check(String given, long currentVersion, String resourceName) {
    if (!given.isEmpty() && !given.equals(of(currentVersion))) {
      throw ApiException.etagMismatch(resourceName);
    }
  }
}
