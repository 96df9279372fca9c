package retail.customers.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs an operation from several client threads for a while and records
 * every call's latency. Each client calls in a loop, with no think time: the
 * figure is how fast the system answers a client that is always waiting.
 */
final class Load {
  /** One call of a client; {@code i} numbers the calls so that clients vary their inputs. */
  @FunctionalInterface
  interface Operation {
    void call(int client, long i) throws Exception;
  }

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

  private static void runFor(int clients, Duration duration, Operation operation, AtomicLong sequence, Latencies into)
      throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
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
