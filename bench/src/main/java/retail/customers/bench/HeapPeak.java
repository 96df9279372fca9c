package retail.customers.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The live heap (after a full collection) before some work and its highest
 * value while the work runs, sampled every {@value #PERIOD_MILLIS} ms by a
 * thread of its own. Collecting to sample slows the work down, so a measured
 * run never shares a run with a timed one.
 */
final class HeapPeak implements AutoCloseable {
  private static final long PERIOD_MILLIS = 500;

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final long before;
  private final Thread sampler;
  private volatile long peak;
  private volatile boolean running = true;

  HeapPeak() {
    before = liveHeap();
    peak = before;
    sampler = Thread.ofPlatform().daemon().name("heap-sampler").start(() -> {
      while (running) {
        try {
          Thread.sleep(PERIOD_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        peak = Math.max(peak, liveHeap());
      }
    });
  }

  private long liveHeap() {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Stops sampling; returns "x MB before, y MB at most during (growth z MB ...)". */
  String report() throws InterruptedException {
    close();
    return String.format("live heap %.1f MB before, %.1f MB at most during (growth %.1f MB; target < 64 MB)",
        before / 1e6, peak / 1e6, (peak - before) / 1e6);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    sampler.interrupt();
    sampler.join();
  }
}
