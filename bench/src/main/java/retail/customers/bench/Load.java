package retail.customers.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs an operation from several client threads for a while and records
 * every call's latency. Each client calls in a loop, with no think time: the
 * figure is how fast the system answers a client that is always waiting.
 */
final class Load {
  /**
   * Slices each side of a comparison is measured in. Measured one after the
   * other, the two sides of a ratio met different moments of the machine (a
   * checkpoint, autovacuum, another process): alternating short slices
   * spreads such moments over both.
   */
  static final int SLICES = 8;

  /** One call of a client; {@code i} numbers the calls so that clients vary their inputs. */
  @FunctionalInterface
  interface Operation {
    void call(int client, long i) throws Exception;
  }

  /** The latencies of both sides of a comparison, measured in the same slices of time. */
  record Compared(Latencies first, Latencies second) {}

  private Load() {}

  static Latencies run(int clients, Duration warmup, Duration measure, Operation operation) throws InterruptedException {
    AtomicLong sequence = new AtomicLong();
    runFor(clients, warmup, operation, sequence, null);
    Latencies latencies = new Latencies();
    long started = System.nanoTime();
    runFor(clients, measure, operation, sequence, latencies);
    latencies.elapsed((System.nanoTime() - started) / 1e9);
    return latencies;
  }

  /**
   * Both operations, each warmed up and then measured for {@code measure}
   * in all, in {@link #SLICES} alternating slices: first, second, second,
   * first, and so on, so that a steady drift of the machine weighs on both
   * alike.
   */
  static Compared compare(int clients, Duration warmup, Duration measure, Operation first, Operation second)
      throws InterruptedException {
    return compare(clients, warmup, measure, first, second, SLICES);
  }

  /** Like {@link #compare(int, Duration, Duration, Operation, Operation)}, in {@code slices} slices a side. */
  static Compared compare(int clients, Duration warmup, Duration measure, Operation first, Operation second, int slices)
      throws InterruptedException {
    AtomicLong firstSequence = new AtomicLong();
    AtomicLong secondSequence = new AtomicLong();
    runFor(clients, warmup, first, firstSequence, null);
    runFor(clients, warmup, second, secondSequence, null);
    Latencies firstLatencies = new Latencies();
    Latencies secondLatencies = new Latencies();
    Duration slice = measure.dividedBy(slices);
    for (int i = 0; i < slices; i++) {
      boolean firstFirst = i % 2 == 0;
      for (int side = 0; side < 2; side++) {
        boolean isFirst = firstFirst == (side == 0);
        Latencies into = isFirst ? firstLatencies : secondLatencies;
        long started = System.nanoTime();
        long jvm = Cpu.jvmNanos();
        long machine = Cpu.machineNanos();
        runFor(clients, slice, isFirst ? first : second, isFirst ? firstSequence : secondSequence, into);
        into.addElapsed((System.nanoTime() - started) / 1e9);
        into.addCpu(Cpu.jvmNanos() - jvm, Cpu.machineNanos() - machine);
      }
    }
    return new Compared(firstLatencies, secondLatencies);
  }

  private static void runFor(int clients, Duration duration, Operation operation, AtomicLong sequence, Latencies into)
      throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads.add(Thread.ofPlatform().name("client-" + c).start(() -> {
        Latencies mine = new Latencies();
        try {
          while (System.nanoTime() < end) {
            long i = sequence.getAndIncrement();
            long t0 = System.nanoTime();
            operation.call(client, i);
            mine.add(System.nanoTime() - t0);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
        if (into != null) {
          into.addAll(mine);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a benchmark call failed", failures.getFirst());
    }
  }
}
