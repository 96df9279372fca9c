package retail.customers.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

/**
 * The JIT compiler's activity. Its threads share the machine's two cores
 * with the clients, the server and the database: while it still compiles
 * (jOOQ, Netty, protobuf and pgjdbc's paths took over a minute of traffic to
 * settle here), the JVM side of every figure pays for it, and a run of one
 * shape alone measured ratios 40% worse than the same shape measured after
 * the others had warmed the JVM.
 */
final class Jit {
  private static final CompilationMXBean COMPILER = ManagementFactory.getCompilationMXBean();
  /** Compiling less than this share of one core's time counts as settled. */
  private static final double SETTLED_SHARE = 0.02;

  private Jit() {}

  /** Milliseconds the JIT has spent compiling so far, or 0 where the JVM does not tell. */
  private static long compileMillis() {
    return COMPILER != null && COMPILER.isCompilationTimeMonitoringSupported() ? COMPILER.getTotalCompilationTime() : 0;
  }

  /** A stretch of time from now, over which the JIT's share is measured. */
  record Since(long compiledMillis, long nanos) {
    static Since now() {
      return new Since(compileMillis(), System.nanoTime());
    }

    /** The share of one core's time that the JIT has spent compiling since then. */
    double share() {
      return (compileMillis() - compiledMillis) / ((System.nanoTime() - nanos) / 1e6);
    }
  }

  /** A round of load that warms the JVM: every shape, on both sides. */
  @FunctionalInterface
  interface Round {
    void run() throws Exception;
  }

  /**
   * Runs rounds until one compiles for less than
   * {@value #SETTLED_SHARE} of its time, or until {@code limit}.
   *
   * @return the share of the last round's time that the JIT spent compiling
   */
  private static double settle(Round round, Duration limit) throws Exception {
    long start = System.nanoTime();
    double share;
    do {
      Since roundStart = Since.now();
      round.run();
      share = roundStart.share();
    } while (share >= SETTLED_SHARE && System.nanoTime() - start < limit.toNanos());
    return share;
  }

  /** The longest {@link #warm} goes on waiting for the JIT to settle. */
  private static final Duration SETTLE_LIMIT = Duration.ofMinutes(3);
  /** How long each operation runs in a round of {@link #warm}. */
  private static final Duration SETTLE_SLICE = Duration.ofSeconds(1);

  /**
   * Runs each operation for {@code first} from {@code clients}, then in
   * rounds of {@link #SETTLE_SLICE} each until the JIT has settled (at most
   * {@link #SETTLE_LIMIT}), as it has in a server that has run for a while.
   *
   * @return the share of the last round's time that the JIT spent compiling
   */
  static double warm(List<Load.Operation> operations, int clients, Duration first) throws Exception {
    for (Load.Operation operation : operations) {
      Load.run(clients, Duration.ZERO, first, operation);
    }
    return settle(() -> {
      for (Load.Operation operation : operations) {
        Load.run(clients, Duration.ZERO, SETTLE_SLICE, operation);
      }
    }, SETTLE_LIMIT);
  }
}
