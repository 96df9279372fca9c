package retail.customers.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;

/**
 * Registers creating customers without pause, each create with a request id
 * and sent again as it is (as the SDK retries) after a failure whose code
 * is retried; any other failure ends the register's work with it. Every
 * customer's external reference starts with {@link #prefix()}, so that its
 * rows can be counted.
 */
final class RegisterLoad implements AutoCloseable {
  /** One attempt that failed: its code, when it ended and how long it took (nanoseconds). */
  record Failure(Status.Code code, long at, long took) {}

  private final String prefix = "load-" + UUID.randomUUID() + "-";
  private final List<Customer> acknowledged = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> acknowledgedAt = Collections.synchronizedList(new ArrayList<>());
  private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong issued = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ExecutorService registers;
  private final List<Future<?>> work = new ArrayList<>();
  /** When each register's attempt in flight was sent (0: none in flight). */
  private final AtomicLongArray sentAt;
  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "register-load-watchdog");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicBoolean dumped = new AtomicBoolean();

  /**
   * Starts the registers.
   *
   * @param deadline each attempt's
   * @param retried the codes after which an attempt is sent again, 50 ms later
   */
  RegisterLoad(CustomerServiceBlockingStub customers, int count, Duration deadline, Set<Status.Code> retried) {
    registers = Executors.newFixedThreadPool(count);
    sentAt = new AtomicLongArray(count);
    long slow = deadline.toNanos() * 3 / 5;
    watchdog.scheduleAtFixedRate(() -> dumpThreadsOnce(slow), 100, 100, TimeUnit.MILLISECONDS);
    for (int r = 0; r < count; r++) {
      int register = r;
      work.add(registers.submit(() -> {
        for (int i = 0; !stop.get(); i++) {
          issued.incrementAndGet();
          CreateCustomerRequest request = CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
              .setCustomer(Customers.valid().setExternalReference(prefix + register + "-" + i)).build();
          while (true) {
            long sent = System.nanoTime();
            sentAt.set(register, sent);
            try {
              acknowledged.add(customers.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).createCustomer(request));
              acknowledgedAt.add(System.nanoTime());
              sentAt.set(register, 0);
              break;
            } catch (StatusRuntimeException e) {
              long now = System.nanoTime();
              failures.add(new Failure(e.getStatus().getCode(), now, now - sent));
              sentAt.set(register, 0);
              if (!retried.contains(e.getStatus().getCode())) {
                throw e;
              }
              Thread.sleep(50);
            }
          }
        }
        return null;
      }));
    }
  }

  String prefix() {
    return prefix;
  }

  int acknowledgedCount() {
    return acknowledged.size();
  }

  /** Waits (two minutes at most) until {@code count} creates have been acknowledged in all. */
  void awaitAcknowledged(int count) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (acknowledged.size() < count) {
      assertThat(System.nanoTime()).as(count + " creates acknowledged").isLessThan(until);
      Thread.sleep(10);
    }
  }

  /** When the first create acknowledged after {@code nanoTime} was. */
  long firstAcknowledgedAfter(long nanoTime) {
    synchronized (acknowledgedAt) { // the registers go on adding to it
      return acknowledgedAt.stream().filter(t -> t > nanoTime).min(Long::compare).orElseThrow();
    }
  }

  /** Stops the registers after their current create, and rethrows the failure that ended any of them. */
  void finish() throws Exception {
    stop.set(true);
    for (Future<?> f : work) {
      f.get(2, TimeUnit.MINUTES);
    }
  }

  /** After {@link #finish}: the creates acknowledged. */
  List<Customer> acknowledged() {
    return List.copyOf(acknowledged);
  }

  /** After {@link #finish}: the creates issued, each acknowledged once if none was abandoned. */
  long issued() {
    return issued.get();
  }

  /** After {@link #finish}: the failed attempts. */
  List<Failure> failures() {
    return List.copyOf(failures);
  }

  /** After {@link #finish}: how many failed attempts ended with each code. */
  Map<Status.Code, Long> codes() {
    Map<Status.Code, Long> codes = new TreeMap<>();
    failures().forEach(f -> codes.merge(f.code(), 1L, Long::sum));
    return codes;
  }

  /**
   * Prints every thread's stack, once, when an attempt has been in flight
   * for {@code slow} (three fifths of its deadline): a call that neither
   * answers nor fails fast shows where the server holds it, which its
   * DEADLINE_EXCEEDED alone does not (the server runs in this JVM).
   */
  private void dumpThreadsOnce(long slow) {
    long now = System.nanoTime();
    for (int r = 0; r < sentAt.length(); r++) {
      long sent = sentAt.get(r);
      if (sent != 0 && now - sent > slow && dumped.compareAndSet(false, true)) {
        StringBuilder dump = new StringBuilder("an attempt in flight for " + (now - sent) / 1_000_000 + " ms; every thread:\n");
        Thread.getAllStackTraces().forEach((thread, frames) -> {
          dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
          for (StackTraceElement frame : frames) {
            dump.append("    at ").append(frame).append('\n');
          }
        });
        System.out.print(dump);
        return;
      }
    }
  }

  @Override
  public void close() {
    stop.set(true);
    watchdog.shutdownNow();
    registers.shutdownNow();
  }

  /** The {@code p} quantile of sorted nanosecond latencies, in milliseconds. */
  static double percentile(List<Long> sorted, double p) {
    return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 1e6;
  }
}
