package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.csv;
import static retail.customers.server.exchange.ExchangeFixtures.dryRun;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.withRequestId;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.WatchCustomersRequest;

/** An import emits one CREATED event per row it stores, and nothing for a dry run or a retried file. */
class ImportEventsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static final String FILE =
      csv("First name,Last name,Email 1", "Ann,One,ann@example.com", "Bob,Bad,not-an-email", "Cy,Three,cy@example.com",
          "Dee,Four,dee@example.com");

  @Test
  void everyStoredRowIsOneEventAndADryRunOrARetryIsNone() {
    Store store = newStore(api);
    try (Watcher watcher = Watcher.open(api.channel(), store.key().key(), WatchCustomersRequest.getDefaultInstance())) {
      store.importCsv(dryRun(), FILE);
      String requestId = UUID.randomUUID().toString();
      store.importCsv(withRequestId(requestId), FILE);
      store.importCsv(withRequestId(requestId), FILE);

      List<CustomerEvent> events = watcher.take(3);

      assertThat(events).extracting(CustomerEvent::getType).containsOnly(CustomerEvent.Type.CREATED);
      assertThat(events).extracting(e -> e.getCustomer().getLastName()).containsExactlyInAnyOrder("One", "Three", "Four");
      assertThat(watcher.during(Duration.ofMillis(300))).isEmpty();
    }
  }
}
