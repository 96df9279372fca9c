package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static retail.customers.db.Tables.AUDIT_EVENT;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.exchange.ExchangeFixtures.await;
import static retail.customers.server.exchange.ExchangeFixtures.exportBackends;
import static retail.customers.server.exchange.ExchangeFixtures.exportRequest;
import static retail.customers.server.exchange.ExchangeFixtures.holds;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.text;

import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.exchange.ExchangeFixtures.SlowExport;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Errors;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.ExportCustomersResponse;
import retail.customers.v1.SearchCustomersRequest;

/**
 * An export at the client's pace (SPEC 5: streamed in constant memory from
 * one consistent snapshot): a slow client holds the server back; writes
 * during the export do not show in it; a cancelled or expired export stops
 * its query and gives its connection back in a usable state; every export is
 * audited with how it ended.
 */
class ExportStreamingTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** Enough rows (about 1.5 MB) that the export needs dozens of chunks. */
  private static final int CUSTOMERS = 6000;
  private static final Duration SHORTLY = Duration.ofSeconds(10);
  private static Store store;
  private static String wholeExport;

  @BeforeAll
  static void seed() {
    store = newStore(api);
    store.insertWithSql(CUSTOMERS, "Large ");
    wholeExport = store.export();
  }

  private static SlowExport startSlowExport(Store store) {
    SlowExport slow = new SlowExport();
    store.async().exportCustomers(exportRequest().build(), slow);
    return slow;
  }

  /** The export's COPY has produced what the buffers hold and waits: still in its transaction, not reading. */
  private static boolean exportWaits() {
    List<Record> backends = exportBackends(api);
    return backends.size() == 1
        && ("idle in transaction".equals(backends.get(0).get("state")) || "ClientWrite".equals(backends.get(0).get("wait_event")));
  }

  private static int cancelled(Store store) {
    return (int) store.exportAudits().stream().filter(a -> "CANCELLED".equals(a.get("outcome"))).count();
  }

  @Test
  void aSlowClientHoldsTheServerBackAndGetsTheWholeFileWhenItReadsOn() {
    int audited = store.exportAudits().size();
    SlowExport slow = startSlowExport(store);

    ExportCustomersResponse first = slow.take();
    await("the export waits for the client", SHORTLY, ExportStreamingTest::exportWaits);
    // While the client pauses, the server neither finishes the export nor
    // sends beyond what was asked: its query stays open, unaudited.
    holds("the export keeps waiting while the client pauses", Duration.ofMillis(600),
        () -> exportWaits() && slow.chunks.isEmpty() && store.exportAudits().size() == audited);

    List<ExportCustomersResponse> chunks = new ArrayList<>(List.of(first));
    chunks.addAll(slow.drain());

    assertThat(chunks.size()).isGreaterThan(20);
    assertThat(text(chunks)).isEqualTo(wholeExport);
    assertThat(store.exportAudits()).hasSize(audited + 1);
    Map<String, Object> audit = store.exportAudits().get(audited);
    assertThat(audit).containsEntry("outcome", "COMPLETED").containsEntry("rows", Integer.toString(CUSTOMERS))
        .containsEntry("chunks", Integer.toString(chunks.size()));
    assertThat(exportBackends(api)).isEmpty();
  }

  @Test
  void writesDuringASlowExportDoNotShowInIt() {
    Store own = newStore(api);
    own.insertWithSql(3000, "Snapshot ");
    // At the end of the last-name order, which the export reaches last.
    Customer updated = own.create(Customer.newBuilder().setFirstName("Before").setLastName("Zz Updated"));
    Customer archived = own.create(Customer.newBuilder().setFirstName("Still").setLastName("Zz Archived"));
    String before = own.export();
    SlowExport slow = startSlowExport(own);
    ExportCustomersResponse first = slow.take();

    Customers.update(own.customers(), updated.getName(), Customer.newBuilder().setFirstName("After").setNotes("changed"),
        "first_name", "notes");
    own.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(archived.getName()).build());
    own.create(Customer.newBuilder().setFirstName("New").setLastName("Zzz Created"));
    int deleted = api.database().dsl().deleteFrom(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(own.tenantId()), CUSTOMER.LAST_NAME.eq("Snapshot 02999")).execute();
    assertThat(deleted).isEqualTo(1);
    List<ExportCustomersResponse> chunks = new ArrayList<>(List.of(first));
    chunks.addAll(slow.drain());

    assertThat(text(chunks)).isEqualTo(before);
    String after = own.export();
    assertThat(after).contains(",After,Zz Updated,").contains("Zzz Created").doesNotContain("Zz Archived")
        .doesNotContain("Snapshot 02999");
  }

  @Test
  void aCancelledExportStopsItsQueryAndIsAuditedAsCancelled() {
    int cancelled = cancelled(store);
    SlowExport slow = startSlowExport(store);
    ExportCustomersResponse first = slow.take();
    await("the export waits for the client", SHORTLY, ExportStreamingTest::exportWaits);

    slow.cancel();

    await("the export's query is gone", SHORTLY, () -> exportBackends(api).isEmpty());
    await("the export is audited as cancelled", SHORTLY, () -> cancelled(store) == cancelled + 1);
    // The client asked for one chunk: the record says what left, no more, no less.
    Map<String, Object> audit = store.exportAudits().getLast();
    assertThat(audit).containsEntry("outcome", "CANCELLED").containsEntry("chunks", "1")
        .containsEntry("rows", Long.toString(first.getRowCount()));
    assertThePoolServesEveryCallCorrectly();
  }

  @Test
  void aCancelledExportGivesItsConnectionBackToThePoolOpen() {
    SlowExport slow = startSlowExport(store);
    slow.take();
    await("the export waits for the client", SHORTLY, ExportStreamingTest::exportWaits);
    int backend = exportBackends(api).get(0).get("pid", Integer.class);

    slow.cancel();

    // Closing the connection would also stop the COPY, but costs the pool a
    // new connection and the log a warning each time.
    await("the export's connection is idle in the pool", SHORTLY, () -> "idle".equals(backendState(backend)));
    holds("the connection stays open", Duration.ofMillis(300), () -> "idle".equals(backendState(backend)));
    assertThePoolServesEveryCallCorrectly();
  }

  private static String backendState(int pid) {
    return api.database().dsl().fetchOptional("select state from pg_stat_activity where pid = ?", pid)
        .map(r -> r.get(0, String.class))
        .orElse("gone");
  }

  @Test
  void aClientCutOffMidwayResumesFromItsLastTokenAndGetsExactlyTheRowsItHasNotSeen() {
    Store own = newStore(api);
    own.insertWithSql(3000, "Resume ");
    SlowExport slow = startSlowExport(own);
    ExportCustomersResponse first = slow.take();
    slow.cancel(); // the connection is lost after one chunk
    await("the export's query is gone", SHORTLY, () -> exportBackends(api).isEmpty());
    // Written meanwhile: one customer before the client's position in last-name order, one after.
    own.create(Customer.newBuilder().setFirstName("Added").setLastName("Aaa Early"));
    own.create(Customer.newBuilder().setFirstName("Added").setLastName("Zzz Late"));

    String rest = own.export(exportRequest().setResumeToken(first.getResumeToken()));

    List<Map<String, String>> received = ExchangeFixtures.rows(first.getData().toStringUtf8() + rest);
    List<Map<String, String>> expected = ExchangeFixtures.rows(own.export()).stream()
        .filter(row -> !row.get("Last name").equals("Aaa Early"))
        .toList();
    assertThat(first.getRowCount()).isBetween(1L, 2999L);
    assertThat(received).isEqualTo(expected);
    assertThat(received.getLast()).containsEntry("Last name", "Zzz Late");
  }

  @Test
  void cancellingTheContextOfABlockingCallStopsTheExportMidway() throws Exception {
    int cancelled = cancelled(store);
    Context.CancellableContext context = Context.current().withCancellation();
    Iterator<ExportCustomersResponse> chunks = context.call(() -> store.customers().exportCustomers(exportRequest().build()));
    long received = chunks.next().getRowCount() + chunks.next().getRowCount();

    context.cancel(null);

    await("the export's query is gone", SHORTLY, () -> exportBackends(api).isEmpty());
    await("the export is audited as cancelled", SHORTLY, () -> cancelled(store) == cancelled + 1);
    long rows = Long.parseLong((String) store.exportAudits().getLast().get("rows"));
    assertThat(rows).isBetween(received, (long) CUSTOMERS - 1);
    assertThePoolServesEveryCallCorrectly();
  }

  @Test
  void anExpiredDeadlineEndsTheExportWithDeadlineExceededAndStopsItsQuery() {
    SlowExport slow = new SlowExport();
    int audited = store.exportAudits().size();
    store.async().withDeadlineAfter(2, TimeUnit.SECONDS).exportCustomers(exportRequest().build(), slow);
    ExportCustomersResponse first = slow.take();

    assertThat(slow.awaitEnd(Duration.ofSeconds(30))).as("the call ended").isTrue();

    assertThat(Status.fromThrowable(slow.failure.get()).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    await("the export's query is gone", SHORTLY, () -> exportBackends(api).isEmpty());
    await("the export is audited", SHORTLY, () -> store.exportAudits().size() == audited + 1);
    assertThat(store.exportAudits().get(audited)).containsEntry("rows", Long.toString(first.getRowCount()))
        .extractingByKey("outcome").isIn("CANCELLED", "DEADLINE_EXCEEDED");
    assertThePoolServesEveryCallCorrectly();
  }

  @Test
  void exportsCutShortOneAfterAnotherLeaveNoConnectionBehind() {
    int cancelled = cancelled(store);
    for (int i = 0; i < 10; i++) {
      SlowExport slow = startSlowExport(store);
      slow.take();
      slow.cancel();
    }

    await("every export's query is gone", SHORTLY, () -> exportBackends(api).isEmpty());
    await("every export is audited as cancelled", SHORTLY, () -> cancelled(store) == cancelled + 10);
    assertThePoolServesEveryCallCorrectly();
    assertThat(store.export()).isEqualTo(wholeExport);
  }

  @Test
  void everyExportIsAuditedWithItsKeyOutcomeQueryFilterAndRowCount() {
    Store own = newStore(api);
    own.create(Customer.newBuilder().setFirstName("Betty").setLastName("Smith").addTags("Woman"));
    own.create(Customer.newBuilder().setFirstName("Ann").setLastName("Goldsmith").addTags("Woman"));
    own.create(Customer.newBuilder().setFirstName("John").setLastName("Smithers"));
    own.create(Customer.newBuilder().setFirstName("Zoé").setLastName("Lee").addTags("Woman"));

    own.export(exportRequest().setQuery("smith").setFilter(CustomerFilter.newBuilder().addTagsAll("Woman")));

    assertThat(own.exportAudits()).hasSize(1);
    Map<String, Object> audit = own.exportAudits().get(0);
    assertThat(audit).containsEntry("outcome", "COMPLETED").containsEntry("query", "smith").containsEntry("rows", "2")
        .containsEntry("show_deleted", "false").containsEntry("resumed", "false");
    assertThat((String) audit.get("filter")).contains("Woman");
    assertThat(api.database().dsl().fetchValue(AUDIT_EVENT.API_KEY_ID, AUDIT_EVENT.TENANT_ID.eq(own.tenantId())))
        .isEqualTo(own.key().keyId());
  }

  @Test
  void anExportsAuditRecordSaysWhen() {
    Store own = newStore(api);
    own.create(Customer.newBuilder().setFirstName("Betty").setLastName("Smith"));
    OffsetDateTime before = databaseNow();

    own.export();

    OffsetDateTime when = api.database().dsl().fetchValue(
        AUDIT_EVENT.EVENT_TIME, AUDIT_EVENT.TENANT_ID.eq(own.tenantId()).and(AUDIT_EVENT.ACTION.eq("CUSTOMERS_EXPORTED")));
    assertThat(when).isAfterOrEqualTo(before).isBeforeOrEqualTo(databaseNow());
  }

  private static OffsetDateTime databaseNow() {
    return api.database().dsl().select(currentOffsetDateTime()).fetchSingle().value1();
  }

  @Test
  void anExportIsAuditedBeforeTheClientHearsThatItIsComplete() {
    Store own = newStore(api);
    own.create(Customer.newBuilder().setFirstName("Betty").setLastName("Smith"));

    for (int i = 1; i <= 20; i++) {
      own.export();
      assertThat(own.exportAudits()).as("records after export %d", i).hasSize(i);
    }
  }

  /**
   * Calls of every kind, several at once so that every pooled connection
   * serves some, return exactly their own data: a connection left in the
   * middle of a COPY would hand its rows to the next query.
   */
  private static void assertThePoolServesEveryCallCorrectly() {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> checks = new ArrayList<>();
      for (int i = 1; i <= 24; i++) {
        int n = i;
        checks.add(threads.submit(() -> {
          // A key never seen is looked up in the database.
          Store fresh = newStore(api);
          Customer created = fresh.create(Customer.newBuilder().setFirstName("Pool").setLastName("Check " + n));
          assertThat(Customers.get(fresh.customers(), created.getName())).isEqualTo(created);
          List<Customer> found = store.customers()
              .searchCustomers(SearchCustomersRequest.newBuilder().setQuery(String.format("%05d", n)).build())
              .getCustomersList();
          assertThat(found).extracting(Customer::getLastName).containsExactly(String.format("Large %05d", n));
          assertThat(fresh.export()).contains(",Pool,Check " + n + ",");
          assertThat(Errors.code(Errors.failure(() -> api.customers("unknown-" + n).searchCustomers(
              SearchCustomersRequest.getDefaultInstance())))).isEqualTo(Status.Code.UNAUTHENTICATED);
          return null;
        }));
      }
      for (Future<?> check : checks) {
        check.get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new AssertionError("a call after the export went wrong", e);
    } finally {
      threads.shutdownNow();
    }
  }
}
