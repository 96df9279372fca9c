package retail.customers.client;

import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import retail.customers.v1.ErrorReason;

/** Runs a call's attempts under one deadline, as {@link RetrySettings} say. */
final class Retrier {
  /** Sleeps; a test can make it record instead. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final RetrySettings settings;
  private final Sleeper sleeper;

  Retrier(RetrySettings settings, Sleeper sleeper) {
    this.settings = settings;
    this.sleeper = sleeper;
  }

  /** The answer of the first attempt that gets one; the last failure as a {@link CustomersException}. */
  <T> T call(Deadline deadline, Function<Deadline, T> attempt) {
    for (int n = 1; ; n++) {
      try {
        return attempt.apply(deadline);
      } catch (StatusRuntimeException e) {
        CustomersException failure = CustomersException.of(e);
        Optional<Duration> wait = retryAfter(failure, n + 1);
        if (wait.isEmpty() || deadline.timeRemaining(TimeUnit.MILLISECONDS) <= wait.get().toMillis()) {
          throw failure;
        }
        try {
          sleeper.sleep(wait.get());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw failure;
        }
      }
    }
  }

  /** How long to wait before attempt {@code next}, if the failure is one to retry. */
  Optional<Duration> retryAfter(CustomersException failure, int next) {
    if (next > settings.maxAttempts()) {
      return Optional.empty();
    }
    return waitBefore(failure, next);
  }

  /**
   * How long a stream that should stay open waits before it opens again
   * after {@code failuresInARow} failures: as long as retries would, the
   * longest wait once they are used up; never for a failure no retry mends.
   */
  Optional<Duration> reconnectAfter(CustomersException failure, int failuresInARow) {
    return waitBefore(failure, Math.min(failuresInARow + 1, Math.max(2, settings.maxAttempts())));
  }

  private Optional<Duration> waitBefore(CustomersException failure, int next) {
    Status.Code code = failure.status().getCode();
    if (code == Status.Code.UNAVAILABLE || rolledBack(failure)) {
      Duration backoff = settings.backoff(next);
      long jitter = backoff.toMillis() <= 1 ? 0 : ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2 + 1);
      return Optional.of(backoff.minusMillis(jitter));
    }
    if (failure instanceof CustomersException.ResourceExhaustedException limited) {
      return limited.retryDelay();
    }
    return Optional.empty();
  }

  /**
   * ABORTED because the write met a concurrent one: the server rolled it
   * back, so doing it again cannot do it twice. Not a stale etag (also
   * ABORTED), which only the caller can resolve, by reading again.
   */
  private static boolean rolledBack(CustomersException failure) {
    return failure.status().getCode() == Status.Code.ABORTED
        && ErrorReason.CONCURRENT_MODIFICATION.name().equals(failure.reason());
  }
}
