package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.CustomerType;
import retail.customers.v1.SearchCustomersRequest;

/**
 * A customer is findable the moment its write returns, whoever wrote it
 * (SPEC 4), and a store never finds another store's customers (SPEC 1).
 */
class SearchConsistencyTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @Test
  void aCreatedCustomerIsFoundAtOnce() {
    Store store = newStore(api);

    Customer created = store.create(person("Hélène", "Fresh").setMobilePhone("514 555 0123"));

    assertThat(store.find("helene 5550123")).containsExactly(created.getName());
  }

  @Test
  void afterAnUpdateTheNewNameIsFoundAndTheOldOneIsNot() {
    Store store = newStore(api);
    Customer customer = store.create(person("Betty", "Oldname").setMobilePhone("514 555 0123"));

    store.update(customer.toBuilder().setLastName("Newname").setMobilePhone("438 555 0177").build(), "last_name", "mobile_phone");

    assertThat(store.find("newname")).containsExactly(customer.getName());
    assertThat(store.find("5550177")).containsExactly(customer.getName());
    assertThat(store.find("oldname")).isEmpty();
    assertThat(store.find("5550123")).isEmpty();
    assertThat(names(store.searchAll(SearchCustomersRequest.newBuilder().setOrderBy("last_name"))))
        .containsExactly(customer.getName());
  }

  @Test
  void anUpdateMovesTheCustomerInNameOrderAtOnce() {
    Store store = newStore(api);
    Customer able = store.create(person("X", "Able"));
    Customer baker = store.create(person("X", "Baker"));

    store.update(able.toBuilder().setLastName("Zorn").build(), "last_name");

    assertThat(names(store.searchAll(SearchCustomersRequest.newBuilder().setOrderBy("last_name"))))
        .containsExactly(baker.getName(), able.getName());
  }

  @Test
  void anErasedCustomerIsNotFoundByItsOldData() {
    Store store = newStore(api);
    Customer customer =
        store.create(person("Hélène", "Erasable").setEmail("helene@example.com").setMobilePhone("514 555 0123")
            .setCustomIdentifier("LOY-4242").addTags("Secret"));

    store.erase(customer);

    for (String text : new String[] {"helene", "erasable", "example.com", "5550123", "4242"}) {
      assertThat(store.find(text)).as(text).isEmpty();
      assertThat(names(store.searchAll(query(text).setShowDeleted(true)))).as("%s, archived included", text).isEmpty();
    }
    assertThat(names(store.searchAll(SearchCustomersRequest.newBuilder().setShowDeleted(true)
        .setFilter(CustomerFilter.newBuilder().addTagsAll("secret"))))).isEmpty();
  }

  @Test
  void aCustomerWrittenWithPlainSqlIsFound() {
    Store store = newStore(api);
    UUID id = UUID.randomUUID();

    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name, mobile_phone, postal_code, country_code, tags)"
            + " values (?::uuid, ?::uuid, 'IMPORT', 'Zoé', 'Imported', '+15145550188', 'H2X 1Y4', 'CA', array['Woman'])",
        store.tenantId().toString(), id.toString());

    String name = "customers/" + id;
    assertThat(store.find("zoe imported")).containsExactly(name);
    assertThat(store.find("5550188")).containsExactly(name);
    assertThat(store.find("h2x1y4")).containsExactly(name);
    assertThat(names(store.searchAll(SearchCustomersRequest.newBuilder().setFilter(CustomerFilter.newBuilder().addTagsAll("WOMAN")))))
        .containsExactly(name);
  }

  @Test
  void aCustomerChangedWithPlainSqlIsFoundByItsNewData() {
    Store store = newStore(api);
    Customer customer = store.create(person("Betty", "Before"));

    api.database().dsl().execute(
        "update customer set last_name = 'After' where tenant_id = ?::uuid and id = ?::uuid",
        store.tenantId().toString(), customer.getName().substring("customers/".length()));

    assertThat(store.find("after")).containsExactly(customer.getName());
    assertThat(store.find("before")).isEmpty();
  }

  @Test
  void archivingAndRestoringTakeEffectAtOnce() {
    Store store = newStore(api);
    Customer customer = store.create(person("Betty", "Shelved"));

    store.archive(customer);
    assertThat(store.find("shelved")).isEmpty();
    assertThat(names(store.searchAll(query("shelved").setShowDeleted(true)))).containsExactly(customer.getName());

    store.restore(customer);
    assertThat(store.find("shelved")).containsExactly(customer.getName());
  }

  @Test
  void aStoreNeverFindsAnotherStoresCustomers() {
    Store a = new Store(api, api.tenantA());
    Store b = new Store(api, api.tenantB());
    CustomerType vip = a.createType(CustomerType.newBuilder().setDisplayName("Isolation VIP"));
    Customer theirs = a.create(person("Isabelle", "Isolated").setMobilePhone("514 555 0166").setCustomerType(vip.getName())
        .addTags("Isolated"));
    Customer ours = b.create(person("Bernard", "Ours"));

    assertThat(a.find("isolated")).containsExactly(theirs.getName());
    assertThat(b.find("isolated")).isEmpty();
    assertThat(b.find("5550166")).isEmpty();
    assertThat(b.find("")).containsExactly(ours.getName());
    assertThat(names(b.searchAll(SearchCustomersRequest.newBuilder().setShowDeleted(true)))).containsExactly(ours.getName());
    assertThat(names(b.searchAll(SearchCustomersRequest.newBuilder()
        .setFilter(CustomerFilter.newBuilder().addCustomerTypes(vip.getName()))))).isEmpty();
    assertThat(names(b.searchAll(SearchCustomersRequest.newBuilder()
        .setFilter(CustomerFilter.newBuilder().addTagsAll("isolated"))))).isEmpty();
    assertThat(names(b.searchAll(query("isolated").setOrderBy("last_name")))).isEmpty();
  }
}
