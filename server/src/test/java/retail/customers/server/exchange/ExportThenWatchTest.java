package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.exportRequest;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.rows;
import static retail.customers.server.exchange.ExchangeFixtures.text;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.WatchCustomersRequest;

/**
 * An integrator's initial sync: copy every customer, then follow the
 * stream from the export's cursor. With writers running throughout, the
 * stream must bring exactly the changes the copy lacks: none lost, none the
 * copy already has.
 */
class ExportThenWatchTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @Test
  void theStreamFromAnExportsCursorHoldsExactlyTheChangesTheCopyLacks() throws Exception {
    Store store = newStore(api);
    for (int i = 0; i < 200; i++) {
      store.create(Customers.minimal().setFirstName("Seed").setLastName("Seed" + i));
    }
    // Each writer creates customers with a last name of their own, then
    // updates each one's company to v1, v2, v3: the copy's company says how
    // many of its updates the copy holds.
    Map<String, Integer> updatesMade = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService writers = Executors.newFixedThreadPool(4);
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      int writer = w;
      running.add(writers.submit(() -> {
        for (int i = 0; !stop.get() || i < 5; i++) {
          String lastName = "W" + writer + "x" + i;
          Customer c = store.create(Customers.minimal().setFirstName("Writer").setLastName(lastName));
          updatesMade.put(lastName, 0);
          for (int v = 1; v <= 3; v++) {
            Customers.update(store.customers(), c.getName(), Customer.newBuilder().setCompany("v" + v), "company");
            updatesMade.put(lastName, v);
          }
        }
        return null;
      }));
    }
    while (updatesMade.size() < 20) {
      Thread.onSpinWait();
    }
    List<ExportCustomersResponse> chunks = store.exportChunks(exportRequest());
    stop.set(true);
    for (Future<?> f : running) {
      f.get();
    }
    writers.shutdown();

    String cursor = chunks.getFirst().getWatchCursor();
    assertThat(chunks).extracting(ExportCustomersResponse::getWatchCursor).containsOnly(cursor);
    // What the copy holds of each writer's customer: absent, or created with
    // k updates (company "vk", or empty for none).
    Map<String, Integer> inCopy = new HashMap<>();
    for (Map<String, String> row : rows(text(chunks))) {
      String company = row.get("Company");
      inCopy.put(row.get("Last name"), company.isEmpty() ? 0 : Integer.parseInt(company.substring(1)));
    }
    int expectedEvents = 0;
    for (Map.Entry<String, Integer> made : updatesMade.entrySet()) {
      int copied = inCopy.getOrDefault(made.getKey(), -1);
      expectedEvents += made.getValue() - copied; // the create (when not copied) and the updates the copy lacks
    }

    try (Watcher watcher = Watcher.open(api.channel(), store.key().key(), WatchCustomersRequest.newBuilder().setStartCursor(cursor).build())) {
      List<CustomerEvent> events = watcher.take(expectedEvents);
      assertThat(watcher.during(Duration.ofMillis(300))).as("nothing the copy already holds").isEmpty();

      Map<String, Integer> eventsPerCustomer = new HashMap<>();
      for (CustomerEvent event : events) {
        String lastName = event.getCustomer().getLastName();
        if (event.getType() == CustomerEvent.Type.CREATED) {
          assertThat(inCopy).as("created after the copy: not in it").doesNotContainKey(lastName);
        }
        eventsPerCustomer.merge(lastName, 1, Integer::sum);
      }
      for (Map.Entry<String, Integer> made : updatesMade.entrySet()) {
        int copied = inCopy.getOrDefault(made.getKey(), -1);
        assertThat(eventsPerCustomer.getOrDefault(made.getKey(), 0)).as(made.getKey()).isEqualTo(made.getValue() - copied);
      }
      assertThat(inCopy.keySet()).as("the copy holds some writes and the stream others").isNotEmpty();
    }
  }
}
