package retail.customers.server.search;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * What share of customers a free text matches, judged as PostgreSQL's
 * planner judges a LIKE: on the sample of search texts that ANALYZE keeps
 * (the most common values with their frequencies, and the histogram), read
 * once and kept for {@link #TIME_TO_LIVE}. The search decides its strategy
 * on it before its first statement, where asking the planner (EXPLAIN) cost
 * a round trip and half a millisecond on every search of a register.
 */
final class SearchStatistics {
  static final Duration TIME_TO_LIVE = Duration.ofMinutes(5);

  /** Shares remembered per sample at most: a flood of distinct words must not grow the heap. */
  static final int MAX_REMEMBERED = 10_000;

  /**
   * The planner's sample of {@code customer.search_text}, and the shares
   * computed on it so far: a register asks for the same few words all day,
   * and testing a word against the 600 values costs 80 µs.
   */
  private record Sample(
      double nullFraction, List<String> common, List<Double> commonFrequencies, List<String> histogram, Instant read,
      Cache<String, Double> shares) {
    Sample(double nullFraction, List<String> common, List<Double> commonFrequencies, List<String> histogram, Instant read) {
      this(nullFraction, common, commonFrequencies, histogram, read, Caffeine.newBuilder().maximumSize(MAX_REMEMBERED).build());
    }
  }

  private final DSLContext dsl;
  private final Clock clock;
  private volatile Sample sample;

  SearchStatistics(DSLContext dsl, Clock clock) {
    this.dsl = dsl;
    this.clock = clock;
  }

  /**
   * The share of customers whose search text {@code matches} accepts, from
   * 0 to 1; negative when the table has no statistics yet. Remembered for
   * {@code key} until the sample is read again: the predicate must be a
   * function of the key alone (a query's text).
   */
  double share(String key, Predicate<String> matches) {
    Sample s = current();
    if (s == null || s.histogram().isEmpty() && s.common().isEmpty()) {
      return -1;
    }
    return s.shares().get(key, k -> share(s, matches));
  }

  private static double share(Sample s, Predicate<String> matches) {
    double common = 0;
    double commonTotal = 0;
    for (int i = 0; i < s.common().size(); i++) {
      commonTotal += s.commonFrequencies().get(i);
      if (matches.test(s.common().get(i))) {
        common += s.commonFrequencies().get(i);
      }
    }
    long inHistogram = s.histogram().stream().filter(matches).count();
    double rest = s.histogram().isEmpty() ? 0 : (double) inHistogram / s.histogram().size();
    return common + rest * Math.max(0, 1 - commonTotal - s.nullFraction());
  }

  private Sample current() {
    Sample s = sample;
    if (s == null || s.read().plus(TIME_TO_LIVE).isBefore(clock.instant())) {
      s = read();
      sample = s;
    }
    return s;
  }

  private Sample read() {
    Record r =
        // Through a function of the tables' owner: pg_stats hides them from
        // a role that row-level security holds (V18).
        dsl.fetchOptional(
                "select null_frac, most_common_vals, most_common_freqs, histogram_bounds from customer_search_text_statistics()")
            .orElse(null);
    if (r == null) {
      return new Sample(0, List.of(), List.of(), List.of(), clock.instant());
    }
    return new Sample(
        r.get(0, Double.class),
        r.get(1, String[].class) == null ? List.of() : List.of(r.get(1, String[].class)),
        r.get(2, Double[].class) == null ? List.of() : List.of(r.get(2, Double[].class)),
        r.get(3, String[].class) == null ? List.of() : List.of(r.get(3, String[].class)),
        clock.instant());
  }
}
