package retail.customers.server.search;

import java.time.Duration;

/**
 * How long a search may count its matches for an exact total: a multiple of
 * the time its own page took, within a floor and a ceiling.
 *
 * <p>Counting up to 1,000 matches costs about what finding the page costs,
 * and on a busy machine both take longer together. A fixed budget of 5 ms
 * ran out whenever the machine was busy, and the total fell back to an
 * estimate 90 times too low; a budget in proportion to the page keeps
 * counting what is cheap to count, and still gives up on a count that costs
 * many pages (statistics that took 30,000 matches for a few hundred).
 *
 * @param floor the least budget, whatever the page took
 * @param pageMultiple how many times the page's own time a count may take
 * @param ceiling the most budget: no total is worth more wait than this
 */
public record CountBudget(Duration floor, int pageMultiple, Duration ceiling) {
  /** The server's: 8 pages' time, at least 10 ms, at most 100 ms. */
  public static final CountBudget DEFAULT = new CountBudget(Duration.ofMillis(10), 8, Duration.ofMillis(100));

  /** No count at all: a total beyond one page is always estimated. */
  public static final CountBudget NONE = new CountBudget(Duration.ZERO, 0, Duration.ZERO);

  public CountBudget {
    if (floor.isNegative() || pageMultiple < 0 || ceiling.compareTo(floor) < 0) {
      throw new IllegalArgumentException("a count budget needs 0 <= floor <= ceiling and a multiple >= 0");
    }
  }

  /**
   * A budget that never runs out in practice (an hour): for tests, whose
   * outcome must not depend on how fast the machine is.
   */
  public static CountBudget unbounded() {
    return new CountBudget(Duration.ofHours(1), 1, Duration.ofHours(1));
  }

  /** Whether a count may be tried at all. */
  boolean counts() {
    return ceiling.isPositive();
  }

  /** The budget of a count after a page that took {@code pageTook}. */
  Duration forPage(Duration pageTook) {
    Duration relative = pageTook.multipliedBy(pageMultiple);
    return relative.compareTo(floor) < 0 ? floor : relative.compareTo(ceiling) > 0 ? ceiling : relative;
  }
}
