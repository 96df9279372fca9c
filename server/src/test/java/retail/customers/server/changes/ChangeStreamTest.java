package retail.customers.server.changes;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.v1.CustomerEvent.Type.ARCHIVED;
import static retail.customers.v1.CustomerEvent.Type.CREATED;
import static retail.customers.v1.CustomerEvent.Type.ERASED;
import static retail.customers.v1.CustomerEvent.Type.RESTORED;
import static retail.customers.v1.CustomerEvent.Type.UPDATED;

import io.grpc.Status;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;
import retail.customers.v1.WatchCustomersRequest;

/** WatchCustomers: every change once, in one order, resumable exactly (SPEC 3, "Follow changes"). */
class ChangeStreamTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static final AtomicInteger STORES = new AtomicInteger();

  private static ApiKeys.MintedKey newStore() {
    return api.services().apiKeys().createTenant("Stream store " + STORES.incrementAndGet(), "CA");
  }

  private static Watcher watch(ApiKeys.MintedKey store, WatchCustomersRequest.Builder request) {
    return Watcher.open(api.channel(), store.key(), request.build());
  }

  private static Watcher watchFromNow(ApiKeys.MintedKey store) {
    return watch(store, WatchCustomersRequest.newBuilder());
  }

  private static Customer create(ApiKeys.MintedKey store, String firstName) {
    return Customers.create(api.customers(store.key()), Customers.minimal().setFirstName(firstName));
  }

  private static List<CustomerEvent.Type> types(List<CustomerEvent> events) {
    return events.stream().map(CustomerEvent::getType).toList();
  }

  private static List<String> names(List<CustomerEvent> events) {
    return events.stream().map(e -> e.getCustomer().getName()).toList();
  }

  @Test
  void everyKindOfChangeArrivesOnceInOrderWithTheCustomer() {
    ApiKeys.MintedKey store = newStore();
    CustomerServiceBlockingStub customers = api.customers(store.key());
    try (Watcher watcher = watchFromNow(store)) {
      Customer created = create(store, "Betty");
      Customer updated = Customers.update(customers, created.getName(), Customer.newBuilder().setCompany("Acme"), "company");
      Customer archived = customers.deleteCustomer(DeleteCustomerRequest.newBuilder().setName(created.getName()).build());
      Customer restored = customers.undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(created.getName()).build());
      customers.eraseCustomer(EraseCustomerRequest.newBuilder().setName(created.getName()).setReason("asked").build());

      List<CustomerEvent> events = watcher.take(5);

      assertThat(types(events)).containsExactly(CREATED, UPDATED, ARCHIVED, RESTORED, ERASED);
      assertThat(names(events)).containsOnly(created.getName());
      assertThat(events).extracting(CustomerEvent::getCursor).doesNotHaveDuplicates();
      assertThat(updated.getEtag()).isNotEqualTo(archived.getEtag());
      assertThat(restored.getDeleteTime().getSeconds()).isZero();
      assertThat(watcher.during(Duration.ofMillis(200))).isEmpty();
    }
  }

  @Test
  void aWriteThatChangesNothingAndAReplayedRequestEmitNoEvent() {
    ApiKeys.MintedKey store = newStore();
    CustomerServiceBlockingStub customers = api.customers(store.key());
    Customer created = create(store, "Betty");
    try (Watcher watcher = watchFromNow(store)) {
      Customers.update(customers, created.getName(), Customer.newBuilder().setFirstName("Betty"), "first_name");
      customers.undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(created.getName()).build());
      CreateCustomerRequest once = CreateCustomerRequest.newBuilder()
          .setRequestId(UUID.randomUUID().toString()).setCustomer(Customers.minimal().setFirstName("Once")).build();
      customers.createCustomer(once);
      customers.createCustomer(once);
      Customer last = create(store, "Last");

      List<CustomerEvent> events = watcher.take(2);

      assertThat(types(events)).containsExactly(CREATED, CREATED);
      assertThat(events.get(1).getCustomer().getName()).isEqualTo(last.getName());
      assertThat(watcher.during(Duration.ofMillis(200))).isEmpty();
    }
  }

  /**
   * What counts as a change is decided in the database (V14), for writes
   * made outside the API too: an update of nothing but the version and time
   * is none; one of any stored column, a jsonb or an array included, is.
   */
  @Test
  void anUpdateInSqlIsAnEventOnlyIfItChangedMoreThanTheVersionAndTime() throws Exception {
    ApiKeys.MintedKey store = newStore();
    Customer customer = create(store, "Betty");
    UUID id = UUID.fromString(customer.getName().substring(customer.getName().lastIndexOf('/') + 1));
    try (Watcher watcher = watchFromNow(store); Connection connection = api.database().dataSource().getConnection()) {
      for (String set : List.of(
          "version = version + 1, update_time = now()",
          "custom_fields = '{\"loyalty\": {\"textValue\": \"gold\"}}', version = version + 1",
          "custom_fields = '{\"loyalty\": {\"textValue\": \"gold\"}}', version = version + 1",
          "tags = array['vip']",
          "discount_percent = 10.0",
          "discount_percent = 10.00")) {
        try (var update = connection.prepareStatement("update customer set " + set + " where id = ?")) {
          update.setObject(1, id);
          assertThat(update.executeUpdate()).isOne();
        }
      }

      List<CustomerEvent> events = watcher.take(3);

      assertThat(types(events)).containsExactly(UPDATED, UPDATED, UPDATED);
      assertThat(events.get(0).getCustomer().getCustomFieldsMap().get("loyalty").getTextValue()).isEqualTo("gold");
      assertThat(events.get(1).getCustomer().getTagsList()).containsExactly("vip");
      assertThat(watcher.during(Duration.ofMillis(300))).isEmpty();
    }
  }

  @Test
  void resumingFromACursorSendsExactlyTheEventsAfterIt() {
    ApiKeys.MintedKey store = newStore();
    List<CustomerEvent> first;
    try (Watcher watcher = watchFromNow(store)) {
      for (int i = 0; i < 5; i++) {
        create(store, "Person" + i);
      }
      first = watcher.take(5);
    }
    try (Watcher resumed = watch(store, WatchCustomersRequest.newBuilder().setStartCursor(first.get(1).getCursor()))) {
      assertThat(names(resumed.take(3))).isEqualTo(names(first.subList(2, 5)));
      assertThat(resumed.during(Duration.ofMillis(200))).isEmpty();
    }
    try (Watcher oldest = watch(store, WatchCustomersRequest.newBuilder().setFromOldest(true))) {
      assertThat(names(oldest.take(5))).isEqualTo(names(first));
    }
  }

  @Test
  void aStreamFromNowIsLiveBeforeItsFirstEventAndMissesNoWriteAfterThat() {
    ApiKeys.MintedKey store = newStore();
    Customer before = create(store, "Before");
    try (Watcher watcher = watchFromNow(store)) {
      assertThat(watcher.isLive()).isTrue();
      Customer after = create(store, "After");

      assertThat(names(watcher.take(1))).containsExactly(after.getName());
      assertThat(before.getName()).isNotEqualTo(after.getName());
    }
  }

  /**
   * Opens a transaction on its own connection that has written a customer of
   * another store and not committed. Another store's: this store's creates
   * would wait on the count shard it may lock (one chance in 16).
   */
  private static Connection openWrite(String firstName) throws Exception {
    ApiKeys.MintedKey elsewhere = newStore();
    Connection connection = api.database().dataSource().getConnection();
    connection.setAutoCommit(false);
    try (var insert = connection.prepareStatement(
        "insert into customer (tenant_id, id, source, first_name) values (?, gen_random_uuid(), 'API', ?)")) {
      insert.setObject(1, elsewhere.tenantId());
      insert.setString(2, firstName);
      insert.executeUpdate();
    }
    return connection;
  }

  /** Opens a transaction that has renamed the customer (no count shard involved) and not committed. */
  private static Connection openRename(Customer customer, String firstName) throws Exception {
    Connection connection = api.database().dataSource().getConnection();
    connection.setAutoCommit(false);
    try (var update = connection.prepareStatement("update customer set first_name = ? where id = ?")) {
      update.setString(1, firstName);
      update.setObject(2, UUID.fromString(customer.getName().substring(customer.getName().lastIndexOf('/') + 1)));
      assertThat(update.executeUpdate()).isOne();
    }
    return connection;
  }

  @Test
  void eventsArriveInCommitOrderNotTheOrderTheirTransactionsBegan() throws Exception {
    ApiKeys.MintedKey store = newStore();
    Customer slow = create(store, "Slow");
    try (Watcher watcher = watchFromNow(store); Connection rename = openRename(slow, "Slower")) {
      Customer quick = create(store, "Quick"); // began after the rename, commits before it

      List<CustomerEvent> first = watcher.take(1);
      assertThat(names(first)).as("not held back by the older transaction still running").containsExactly(quick.getName());
      rename.commit();
      List<CustomerEvent> second = watcher.take(1);

      assertThat(types(second)).containsExactly(UPDATED);
      assertThat(second.getFirst().getCustomer().getFirstName()).isEqualTo("Slower");
      try (Watcher resumed = watch(store, WatchCustomersRequest.newBuilder().setStartCursor(first.getFirst().getCursor()))) {
        assertThat(names(resumed.take(1))).containsExactly(slow.getName());
        assertThat(resumed.during(Duration.ofMillis(200))).isEmpty();
      }
    }
  }

  @Test
  void aLongTransactionOfAnotherStoreHoldsNoStreamBack() throws Exception {
    ApiKeys.MintedKey store = newStore();
    try (Watcher watcher = watchFromNow(store); Connection slow = openWrite("Slow")) {
      Customer quick = create(store, "Quick");

      assertThat(names(watcher.take(1))).containsExactly(quick.getName());
      slow.commit();
      assertThat(watcher.during(Duration.ofMillis(200))).as("the other store's event").isEmpty();
    }
  }

  @Test
  void aCursorOfTheStreamsFirstVersionIsOutOfRangeWithHowToResync() {
    ApiKeys.MintedKey store = newStore();
    String firstVersion = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("812:40:".getBytes());
    try (Watcher old = watch(store, WatchCustomersRequest.newBuilder().setStartCursor(firstVersion))) {
      Status status = old.awaitEnd();
      assertThat(status.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(status.getDescription()).contains("start_cursor", "ExportCustomers");
    }
  }

  @Test
  void aRolledBackWriteLeavesNoEventAndNoGapThatLosesTheNextOne() throws Exception {
    ApiKeys.MintedKey store = newStore();
    try (Watcher watcher = watchFromNow(store); Connection failing = openWrite("Gone")) {
      Customer kept = create(store, "Kept");
      failing.rollback();

      assertThat(names(watcher.take(1))).containsExactly(kept.getName());
      assertThat(watcher.during(Duration.ofMillis(200))).isEmpty();
    }
  }

  @Test
  void anErasedCustomersEarlierEventsCarryNoneOfItsPersonalData() {
    ApiKeys.MintedKey store = newStore();
    CustomerServiceBlockingStub customers = api.customers(store.key());
    Customer created = Customers.create(customers, Customers.valid());
    Customers.update(customers, created.getName(), Customer.newBuilder().setNotes("Allergic to nuts"), "notes");
    customers.eraseCustomer(EraseCustomerRequest.newBuilder().setName(created.getName()).setReason("asked").build());

    try (Watcher replay = watch(store, WatchCustomersRequest.newBuilder().setFromOldest(true))) {
      List<CustomerEvent> events = replay.take(3);

      assertThat(types(events)).containsExactly(CREATED, UPDATED, ERASED);
      for (CustomerEvent event : events) {
        Customer customer = event.getCustomer();
        assertThat(customer.getFirstName() + customer.getLastName() + customer.getEmail() + customer.getMobilePhone()
            + customer.getNotes() + customer.getAddress().getCity()).isEmpty();
      }
    }
  }

  @Test
  void aBatchEmitsAnEventPerItemWritten() {
    ApiKeys.MintedKey store = newStore();
    try (Watcher watcher = watchFromNow(store)) {
      BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder();
      for (int i = 0; i < 3; i++) {
        batch.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.minimal().setFirstName("Batch" + i)));
      }
      batch.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.minimal().setEmail("not an email")));
      api.customers(store.key()).batchCreateCustomers(batch.build());

      assertThat(types(watcher.take(3))).containsOnly(CREATED);
      assertThat(watcher.during(Duration.ofMillis(200))).isEmpty();
    }
  }

  @Test
  void eightConcurrentWritersEveryCommittedChangeSeenExactlyOnce() throws Exception {
    ApiKeys.MintedKey store = newStore();
    int writers = 8;
    int each = 25;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try (Watcher watcher = watchFromNow(store)) {
      List<Future<List<String>>> written = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        written.add(pool.submit(() -> {
          List<String> names = new ArrayList<>();
          for (int i = 0; i < each; i++) {
            Customer c = create(store, "W" + writer + "n" + i);
            Customers.update(api.customers(store.key()), c.getName(), Customer.newBuilder().setCompany("Co" + i), "company");
            names.add(c.getName());
          }
          return names;
        }));
      }
      Set<String> expected = new HashSet<>();
      for (Future<List<String>> f : written) {
        expected.addAll(f.get());
      }

      List<CustomerEvent> events = watcher.take(2 * writers * each);

      assertThat(events).extracting(CustomerEvent::getCursor).doesNotHaveDuplicates();
      assertThat(events.stream().filter(e -> e.getType() == CREATED).map(e -> e.getCustomer().getName()).toList())
          .hasSize(writers * each).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(events.stream().filter(e -> e.getType() == UPDATED).count()).isEqualTo((long) writers * each);
      assertThat(watcher.during(Duration.ofMillis(200))).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCursorOlderThanRetentionIsOutOfRangeAndTheOldestRetainedStartsAfterIt() {
    ApiKeys.MintedKey store = newStore();
    String cursor;
    try (Watcher watcher = watchFromNow(store)) {
      create(store, "Old1");
      cursor = watcher.take(1).getFirst().getCursor();
      create(store, "Old2");
      watcher.take(1);
    }
    assertThat(new ChangeRetention(api.database().dsl(), Duration.ZERO).run()).isGreaterThanOrEqualTo(2);
    Customer kept = create(store, "New");

    try (Watcher expired = watch(store, WatchCustomersRequest.newBuilder().setStartCursor(cursor))) {
      Status status = expired.awaitEnd();
      assertThat(status.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(status.getDescription()).contains("ExportCustomers");
    }
    try (Watcher oldest = watch(store, WatchCustomersRequest.newBuilder().setFromOldest(true))) {
      assertThat(names(oldest.take(1))).containsExactly(kept.getName());
    }
  }

  @Test
  void aBadCursorOrACursorWithFromOldestIsInvalid() {
    ApiKeys.MintedKey store = newStore();
    try (Watcher garbage = watch(store, WatchCustomersRequest.newBuilder().setStartCursor("not-a-cursor!"));
        Watcher both = watch(store, WatchCustomersRequest.newBuilder().setStartCursor("MTox").setFromOldest(true))) {
      assertThat(garbage.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(both.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }

  @Test
  void aReaderThatTakesNothingIsSentNothingMore() {
    ApiKeys.MintedKey store = newStore();
    for (int i = 0; i < 150; i++) {
      create(store, "Backlog" + i);
    }
    long sentBefore = api.services().changes().sent();
    try (Watcher slow = Watcher.open(api.channel(), store.key(), WatchCustomersRequest.newBuilder().setFromOldest(true).build(), 1)) {
      assertThat(slow.take(1)).hasSize(1);
      assertThat(slow.during(Duration.ofMillis(300))).isEmpty();
      // The server sent no more than the client asked for: the rest waits in the database, not in the heap.
      assertThat(api.services().changes().sent() - sentBefore).isEqualTo(1);

      slow.request(120);
      List<CustomerEvent> next = slow.take(120);
      assertThat(next.getFirst().getCustomer().getFirstName()).isEqualTo("Backlog1");
      assertThat(next.getLast().getCustomer().getFirstName()).isEqualTo("Backlog120");
    }
  }

  @Test
  void anotherTenantsChangesAreNeverSent() {
    ApiKeys.MintedKey mine = newStore();
    ApiKeys.MintedKey other = newStore();
    try (Watcher watcher = watchFromNow(mine)) {
      create(other, "Theirs");
      Customer ours = create(mine, "Ours");

      assertThat(names(watcher.take(1))).containsExactly(ours.getName());
      assertThat(watcher.during(Duration.ofMillis(200))).isEmpty();
    }
  }
}
