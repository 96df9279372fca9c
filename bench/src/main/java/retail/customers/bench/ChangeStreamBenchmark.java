package retail.customers.bench;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import retail.customers.client.CustomersChannel;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.WatchCustomersRequest;

/**
 * The change stream end to end: writers create customers through the
 * server as fast as they can, a client watches the tenant's stream, and for
 * each customer the time from its CreateCustomer returning to its event
 * arriving is measured (negative when the event beat the answer; shown as
 * 0). Also the events per second the stream delivered, against the writes
 * per second, and any write whose event never came or came twice.
 */
final class ChangeStreamBenchmark {
  private final IntFunction<CustomersChannel> api;
  private final CustomersChannel watcherApi;
  private final Duration measure;

  ChangeStreamBenchmark(IntFunction<CustomersChannel> api, CustomersChannel watcherApi, Duration measure) {
    this.api = api;
    this.watcherApi = watcherApi;
    this.measure = measure;
  }

  void run() throws Exception {
    System.out.printf("%nWatchCustomers: CreateCustomer's return to its event's arrival, one stream watching, %d s per row"
        + " (after as long at 8 writers to warm up)%n", measure.toSeconds());
    System.out.printf("%-8s %9s %9s %8s %8s %8s %8s %8s %10s%n",
        "writers", "writes/s", "events/s", "p50 ms", "p99 ms", "max ms", "missing", "twice", "events");
    // The JIT compiles the write and stream paths over the first thousands of calls.
    row(8, false);
    for (int writers : new int[] {1, 8}) {
      row(writers, true);
    }
  }

  private void row(int writers, boolean print) throws Exception {
    String run = Long.toString(System.nanoTime(), 36);
    Map<String, Long> written = new ConcurrentHashMap<>();
    Map<String, Long> arrived = new ConcurrentHashMap<>();
    AtomicLong twice = new AtomicLong();
    AtomicLong events = new AtomicLong();
    CountDownLatch ended = new CountDownLatch(1);
    CountDownLatch live = new CountDownLatch(1);
    var call = io.grpc.Context.current().withCancellation();
    call.run(() -> watcherApi.customersAsync().watchCustomers(WatchCustomersRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(CustomerEvent event) {
            long now = System.nanoTime();
            live.countDown();
            events.incrementAndGet();
            if (event.getType() == CustomerEvent.Type.CREATED && arrived.putIfAbsent(event.getCustomer().getName(), now) != null) {
              twice.incrementAndGet();
            }
          }

          @Override
          public void onError(Throwable t) {
            ended.countDown();
          }

          @Override
          public void onCompleted() {
            ended.countDown();
          }
        }));
    // The stream is open once a write made now reaches it.
    while (live.getCount() > 0) {
      create(api.apply(0), "warm-" + run + "-" + System.nanoTime());
      live.await(100, TimeUnit.MILLISECONDS);
    }
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<?>> running = new ArrayList<>();
    long started = System.nanoTime();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      running.add(pool.submit(() -> {
        for (long i = 0; !stop.get(); i++) {
          Customer c = create(api.apply(writer), "cs-" + run + "-" + writer + "-" + i);
          written.put(c.getName(), System.nanoTime());
        }
        return null;
      }));
    }
    Thread.sleep(measure.toMillis());
    stop.set(true);
    for (Future<?> f : running) {
      f.get();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    pool.shutdown();
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!arrived.keySet().containsAll(written.keySet()) && System.nanoTime() < waitUntil) {
      Thread.sleep(10);
    }
    long lastArrival = arrived.values().stream().mapToLong(Long::longValue).max().orElse(started);
    call.cancel(null);
    Latencies latencies = new Latencies();
    long missing = 0;
    for (Map.Entry<String, Long> w : written.entrySet()) {
      Long at = arrived.get(w.getKey());
      if (at == null) {
        missing++;
      } else {
        latencies.add(Math.max(0, at - w.getValue()));
      }
    }
    if (!print) {
      return;
    }
    System.out.printf("%-8d %9.0f %9.0f %8.2f %8.2f %8.2f %8d %8d %10d%n", writers, written.size() / seconds,
        written.size() / ((lastArrival - started) / 1e9), latencies.percentileMillis(50), latencies.percentileMillis(99),
        latencies.percentileMillis(100), missing, twice.get(), latencies.count());
  }

  private static Customer create(CustomersChannel api, String firstName) {
    return api.customers().createCustomer(CreateCustomerRequest.newBuilder()
        .setCustomer(Customer.newBuilder().setFirstName(firstName).setLastName("Stream"))
        .build());
  }
}
