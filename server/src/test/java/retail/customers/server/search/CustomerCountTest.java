package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;

/**
 * A search without text or filters (the back office's customer list) gets
 * its total exactly, however many customers match, from counts that every
 * writer keeps: the API, plain SQL, archiving, restoring, erasing.
 */
class CustomerCountTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static SearchCustomersResponse everyone(Store store, boolean showDeleted) {
    return store.search(SearchCustomersRequest.newBuilder().setPageSize(2).setShowDeleted(showDeleted));
  }

  /** Asserts the exact totals of both lists, and that the kept counts agree with the rows themselves. */
  private static void assertTotals(Store store, long active, long all) {
    SearchCustomersResponse activeOnes = everyone(store, false);
    SearchCustomersResponse allOnes = everyone(store, true);
    assertThat(activeOnes.getTotalSize()).isEqualTo(active);
    assertThat(activeOnes.getTotalSizeExact()).isTrue();
    assertThat(allOnes.getTotalSize()).isEqualTo(all);
    assertThat(allOnes.getTotalSizeExact()).isTrue();
    Number counted = (Number) api.database().dsl().fetchValue(
        "select count(*) from customer where tenant_id = ?::uuid and delete_time is null and merged_into is null",
        store.tenantId().toString());
    assertThat(counted.longValue()).isEqualTo(active);
  }

  @Test
  void everyWriterKeepsTheCountsExact() {
    Store store = newStore(api);
    assertTotals(store, 0, 0);

    Customer betty = store.create(person("Betty", "Smith"));
    Customer ann = store.create(person("Ann", "Jones"));
    store.insertWithSql(3000, "Bulk", "Bulkname");
    assertTotals(store, 3002, 3002);

    store.archive(betty);
    assertTotals(store, 3001, 3002);
    store.restore(betty);
    store.archive(ann);
    store.erase(ann);
    assertTotals(store, 3001, 3002);

    api.database().dsl().execute(
        "delete from customer where tenant_id = ?::uuid and last_name in ('Bulkname00001', 'Bulkname00002')", store.tenantId().toString());
    api.database().dsl().execute(
        "update customer set delete_time = now() where tenant_id = ?::uuid and last_name like 'Bulkname001%'", store.tenantId().toString());
    assertTotals(store, 3001 - 2 - 100, 3002 - 2);
  }

  @Test
  void onlyTheUnfilteredListIsCountedThatWay() {
    Store store = newStore(api);
    store.insertWithSql(1500, "Bulk", "Bulkname");
    store.create(person("Betty", "Smith"));

    SearchCustomersResponse bulk = store.search(query("bulk").setPageSize(2));
    SearchCustomersResponse everyone = everyone(store, false);

    assertThat(everyone.getTotalSize()).isEqualTo(1501);
    assertThat(everyone.getTotalSizeExact()).isTrue();
    // A text search of as many customers is estimated, as before.
    assertThat(bulk.getTotalSizeExact()).isFalse();
    assertThat(bulk.getTotalSize()).isGreaterThan(1000);
  }
}
