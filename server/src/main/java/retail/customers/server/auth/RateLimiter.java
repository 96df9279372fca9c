package retail.customers.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import retail.customers.server.cache.Caches;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;

/**
 * A call rate limit per API key: a token bucket that holds {@code burst}
 * calls and refills at {@code perSecond}. A call over the limit is
 * RESOURCE_EXHAUSTED with a RetryInfo saying when one will be accepted. A
 * register makes a few calls a second and an import or export is one call:
 * the limit is for a runaway integration, so that it cannot starve the
 * tenant's registers or the other tenants.
 *
 * <p>Each server counts its own calls: behind a balancer spreading a key's
 * calls over N servers, a key gets up to N times the limit.
 */
public final class RateLimiter implements ServerInterceptor {
  private final double perSecond;
  private final double burst;
  private final Clock clock;
  private final Cache<UUID, Bucket> buckets;

  /** A key's bucket: the calls it may still make, as of {@code at}. */
  private static final class Bucket {
    double tokens;
    Instant at;

    Bucket(double tokens, Instant at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  /** @param perSecond calls per second per key; 0 turns the limit off */
  public RateLimiter(double perSecond, double burst, Clock clock) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.clock = clock;
    this.buckets = Caches.expiringAfterWrite(clock, Duration.ofMinutes(10), 100_000);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Caller caller = Caller.KEY.get();
    if (perSecond > 0 && caller != null && caller.apiKeyId() != null) {
      Duration wait = take(caller.apiKeyId());
      if (!wait.isZero()) {
        StatusRuntimeException limited = ErrorMapper.toStatusException(ApiException.rateLimited(perSecond, wait));
        call.close(limited.getStatus(), limited.getTrailers() == null ? new Metadata() : limited.getTrailers());
        return new ServerCall.Listener<>() {};
      }
    }
    return next.startCall(call, headers);
  }

  /** Takes one call from the key's bucket: zero when it may go, else how long until it could. */
  Duration take(UUID key) {
    Instant now = clock.instant();
    Bucket bucket = buckets.get(key, k -> new Bucket(burst, now));
    synchronized (bucket) {
      double elapsed = Math.max(0, Duration.between(bucket.at, now).toNanos() / 1e9);
      bucket.tokens = Math.min(burst, bucket.tokens + elapsed * perSecond);
      bucket.at = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return Duration.ZERO;
      }
      return Duration.ofNanos((long) Math.ceil((1 - bucket.tokens) / perSecond * 1e9));
    }
  }
}
