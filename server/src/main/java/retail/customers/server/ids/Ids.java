package retail.customers.server.ids;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Identifiers of new rows: UUID version 7 (RFC 9562), whose leading
 * millisecond timestamp keeps new keys at the end of the primary-key index
 * instead of scattering inserts across it as random UUIDs would.
 */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static UUID newId() {
    long millis = System.currentTimeMillis();
    long randA = RANDOM.nextInt() & 0x0fffL;
    long msb = (millis << 16) | 0x7000L | randA;
    long lsb = (RANDOM.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }
}
