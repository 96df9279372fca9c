package retail.customers.server.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * A clock that stands still until a test moves it, so that times the server
 * takes from its clock can be asserted exactly. It starts at the real time
 * (truncated to microseconds, PostgreSQL's precision), so that the database's
 * own times stay in step with it.
 */
public final class TestClock extends Clock {
  private volatile Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);

  @Override
  public Instant instant() {
    return now;
  }

  public void advance(Duration duration) {
    now = now.plus(duration);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the server only uses UTC");
  }
}
