package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;

import java.io.StringReader;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import org.jooq.Record4;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;

/**
 * {@code tagged_customer}, which tag walks read, lists exactly each
 * customer's distinct tag keys with its creation time and search text,
 * whoever writes the customer: the API, a COPY, or plain SQL.
 */
class TaggedCustomerTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** What the table must hold for a tenant: derived from the customer rows, as (tag key, customer, time, text). */
  private static List<Record4<String, UUID, java.time.OffsetDateTime, String>> expected(UUID tenant) {
    return api.database().dsl().resultQuery(
            "select distinct k, c.id, c.create_time, tagged_customer_text(c.search_text) from customer c"
                + " cross join unnest(c.tag_keys) k where c.tenant_id = ?::uuid order by 1, 2",
            tenant.toString())
        .coerce(org.jooq.impl.DSL.field("k", String.class), org.jooq.impl.DSL.field("id", UUID.class),
            org.jooq.impl.DSL.field("create_time", java.time.OffsetDateTime.class), org.jooq.impl.DSL.field("t", String.class))
        .fetch();
  }

  private static List<Record4<String, UUID, java.time.OffsetDateTime, String>> actual(UUID tenant) {
    return api.database().dsl().resultQuery(
            "select tag_key, customer_id, create_time, search_text from tagged_customer where tenant_id = ?::uuid order by 1, 2",
            tenant.toString())
        .coerce(org.jooq.impl.DSL.field("k", String.class), org.jooq.impl.DSL.field("id", UUID.class),
            org.jooq.impl.DSL.field("create_time", java.time.OffsetDateTime.class), org.jooq.impl.DSL.field("t", String.class))
        .fetch();
  }

  private static void assertInStep(Store store, int entries) {
    var actual = actual(store.tenantId());
    assertThat(actual).hasSize(entries);
    assertThat(actual).containsExactlyElementsOf(expected(store.tenantId()));
  }

  @Test
  void createsListEachDistinctTagOnce() {
    Store store = newStore(api);

    store.create(person("Betty", "Smith").addTags("VIP").addTags("Runner"));
    store.create(person("Ann", "Jones"));
    store.customers().batchCreateCustomers(BatchCreateCustomersRequest.newBuilder()
        .addRequests(CreateCustomerRequest.newBuilder().setCustomer(person("Cy", "Batch").addTags("vip")))
        .addRequests(CreateCustomerRequest.newBuilder().setCustomer(person("Di", "Batch").addTags("Kids")))
        .build());

    assertInStep(store, 4);
    assertThat(actual(store.tenantId())).extracting(r -> r.value1()).containsExactlyInAnyOrder("kids", "runner", "vip", "vip");
  }

  @Test
  void updatesOfTagsOrSearchedFieldsReplaceTheEntries() {
    Store store = newStore(api);
    Customer betty = store.create(person("Betty", "Smith").addTags("VIP").addTags("Runner"));

    Customer retagged = store.update(betty.toBuilder().clearTags().addTags("Runner").addTags("Kids").build(), "tags");
    assertInStep(store, 2);
    Customer renamed =
        store.update(retagged.toBuilder().setLastName("Jones").setMobilePhone("514 555 0123").build(), "last_name", "mobile_phone");
    assertInStep(store, 2);
    assertThat(actual(store.tenantId())).allSatisfy(r -> assertThat(r.value4()).contains("jones").contains("5145550123"));
    store.update(renamed.toBuilder().clearTags().build(), "tags");
    assertInStep(store, 0);
  }

  @Test
  void archivingKeepsTheEntriesAndErasingRemovesThem() {
    Store store = newStore(api);
    Customer betty = store.create(person("Betty", "Smith").addTags("VIP").setEmail("betty@example.com"));
    store.create(person("Ann", "Jones").addTags("VIP"));

    store.archive(betty);
    assertInStep(store, 2);
    store.restore(betty);
    store.erase(betty);

    assertInStep(store, 1);
    assertThat(actual(store.tenantId())).noneSatisfy(r -> assertThat(r.value4()).contains("betty"));
  }

  @Test
  void plainSqlWritesAndCopyKeepTheTableInStep() throws Exception {
    Store store = newStore(api);
    UUID tenant = store.tenantId();
    var dsl = api.database().dsl();
    dsl.execute("insert into customer (tenant_id, id, source, first_name, last_name, tags)"
        + " select ?::uuid, gen_random_uuid(), 'IMPORT', 'Anne', 'Sql' || n, array['VIP', 'vip', 'Été'] from generate_series(1, 3) n",
        tenant.toString());
    try (Connection c = api.database().dataSource().getConnection()) {
      String rows = tenant + "\t" + UUID.randomUUID() + "\tIMPORT\tCopied\tOne\t{Runner,Kids}\n"
          + tenant + "\t" + UUID.randomUUID() + "\tIMPORT\tCopied\tTwo\t{}\n";
      c.unwrap(PGConnection.class).getCopyAPI()
          .copyIn("copy customer (tenant_id, id, source, first_name, last_name, tags) from stdin", new StringReader(rows));
    }
    assertInStep(store, 3 * 2 + 2);

    dsl.execute("update customer set tags = array['Kids'] where tenant_id = ?::uuid and last_name = 'Sql1'", tenant.toString());
    dsl.execute("update customer set create_time = create_time - interval '1 day' where tenant_id = ?::uuid and last_name = 'Sql2'",
        tenant.toString());
    dsl.execute("update customer set notes = 'not searched' where tenant_id = ?::uuid", tenant.toString());
    assertInStep(store, 1 + 2 + 2 + 2);

    dsl.execute("delete from customer where tenant_id = ?::uuid and last_name in ('Sql3', 'One')", tenant.toString());
    assertInStep(store, 1 + 2);
  }

  @Test
  void aSearchTextTooLongForTheIndexIsLeftOutOfTheEntry() {
    Store store = newStore(api);
    // Four-byte characters: 100 + 100 + 200 of them are 1,600 bytes, with the e-mails well over 2,000.
    String name = "𠀋".repeat(100);
    String email = "a".repeat(60) + "@" + "b".repeat(60) + "." + "c".repeat(60) + "." + "d".repeat(60) + ".com";
    store.create(person(name, name).setCompany("𠀋".repeat(200)).setEmail(email).setSecondaryEmail("e" + email.substring(1))
        .addTags("VIP"));

    assertInStep(store, 1);
    assertThat(actual(store.tenantId()).getFirst().value4()).isNull();
  }
}
