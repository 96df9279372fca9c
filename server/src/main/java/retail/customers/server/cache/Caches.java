package retail.customers.server.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Weigher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;

/**
 * The service's in-memory caches: bounded, so that a flood of distinct keys
 * cannot grow the heap, and expiring on the service's clock, so that tests
 * move time instead of waiting for it.
 */
public final class Caches {
  private Caches() {}

  /** A cache whose entries expire {@code timeToLive} after they were written, holding about {@code maximumSize} of them. */
  public static <K, V> Cache<K, V> expiringAfterWrite(Clock clock, Duration timeToLive, long maximumSize) {
    return Caffeine.newBuilder()
        .ticker(() -> nanos(clock.instant()))
        .expireAfterWrite(timeToLive)
        .maximumSize(maximumSize)
        .build();
  }

  /**
   * Like {@link #expiringAfterWrite}, of values still being computed: an
   * entry's time to live starts when its value is complete, and an entry
   * whose computation fails is removed.
   */
  public static <K, V> AsyncCache<K, V> expiringAsyncAfterWrite(Clock clock, Duration timeToLive, long maximumSize) {
    return Caffeine.newBuilder()
        .ticker(() -> nanos(clock.instant()))
        .expireAfterWrite(timeToLive)
        .maximumSize(maximumSize)
        .buildAsync();
  }

  /**
   * Like {@link #expiringAsyncAfterWrite}, loading what it lacks by
   * {@code loader} on {@code loads}, not on the thread that asks: the
   * callers that find a key missing or expired share one load, and its
   * failure.
   */
  public static <K, V> AsyncLoadingCache<K, V> expiringLoading(
      Clock clock, Duration timeToLive, long maximumSize, Executor loads, CacheLoader<K, V> loader) {
    return Caffeine.newBuilder()
        .ticker(() -> nanos(clock.instant()))
        .expireAfterWrite(timeToLive)
        .maximumSize(maximumSize)
        .executor(loads)
        .buildAsync(loader);
  }

  /**
   * A cache that loads what it lacks and, once an entry is older than
   * {@code refreshAfter}, goes on serving it while it loads it again;
   * bounded by the weight of its entries. Values are loaded by
   * {@code loads}, not by the thread that asks: the callers that find a key
   * missing share one load, and its failure, instead of each loading it in
   * turn.
   */
  public static <K, V> AsyncLoadingCache<K, V> refreshing(
      Clock clock, Duration refreshAfter, long maximumWeight, Weigher<K, V> weigher, Executor loads, CacheLoader<K, V> loader) {
    return Caffeine.newBuilder()
        .ticker(() -> nanos(clock.instant()))
        .refreshAfterWrite(refreshAfter)
        .maximumWeight(maximumWeight)
        .weigher(weigher)
        .executor(loads)
        .buildAsync(loader);
  }

  /** Runs each load on a virtual thread of its own named {@code name}: loads block on the database, outside the calls that wait. */
  public static Executor onVirtualThreads(String name) {
    return load -> Thread.ofVirtual().name(name).start(load);
  }

  private static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
