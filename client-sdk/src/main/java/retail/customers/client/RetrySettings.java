package retail.customers.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link CustomersClient} retries a call that failed before it was
 * answered: UNAVAILABLE (the connection dropped, the server is restarting
 * or its database is down), RESOURCE_EXHAUSTED with a retry delay (a
 * rate limit), and ABORTED with reason {@code CONCURRENT_MODIFICATION} (the
 * write met a concurrent one and was rolled back). Never a write whose
 * outcome the server reported (a stale etag, also ABORTED, or an invalid
 * field): those are the caller's to handle. Writes are
 * retried with the request id of their first attempt, so a write that
 * committed before its answer was lost is answered, not done twice.
 *
 * <p>Attempt n waits {@code initialBackoff * multiplier^(n-1)}, at most
 * {@code maxBackoff}, less a random part of up to half of it (so that
 * clients cut off together do not return together), and never past the
 * call's deadline.
 *
 * @param maxAttempts attempts in all, the first included (1: no retry)
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {
  /** 6 attempts, from 100 ms doubling to 5 s: about 8 s of waiting at most. */
  public static final RetrySettings DEFAULT = new RetrySettings(6, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0);
  /** One attempt: every failure reaches the caller. */
  public static final RetrySettings NONE = new RetrySettings(1, Duration.ZERO, Duration.ZERO, 1.0);

  public RetrySettings {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || maxBackoff.isNegative() || multiplier < 1) {
      throw new IllegalArgumentException("backoffs must not be negative, and the multiplier must be at least 1");
    }
  }

  /** The wait before attempt {@code attempt} (2 for the first retry), before jitter. */
  Duration backoff(int attempt) {
    double millis = initialBackoff.toMillis() * Math.pow(multiplier, attempt - 2);
    return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
  }
}
