package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;

/**
 * Tenant isolation held by PostgreSQL itself (V13): the server's role,
 * whatever SQL it runs, sees and writes only the rows of the tenant its
 * connection was taken for, and none without one.
 */
class RowLevelSecurityTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static final List<String> TENANT_TABLES = List.of(
      "api_key", "tax_class", "customer_type", "custom_field", "customer", "idempotent_request", "audit_event", "customer_tag",
      "customer_tag_spelling", "tagged_customer", "customer_count", "customer_event", "customer_event_retention");

  private static final int MANY = 500;
  private static UUID a;
  private static UUID b;
  private static UUID bCustomer;

  @BeforeAll
  static void twoStoresWithCustomers() {
    a = api.tenantA().tenantId();
    b = api.tenantB().tenantId();
    Customers.create(api.customers(), Customers.valid().addTags("vip"));
    // Enough of A's customers that an index, not a scan of the tenant, is the
    // cheaper way to a rare word: the plans below show which the planner may use.
    BatchCreateCustomersRequest.Builder many = BatchCreateCustomersRequest.newBuilder();
    for (int i = 0; i < MANY; i++) {
      many.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.minimal().setLastName("Walker" + i)));
    }
    api.customers().batchCreateCustomers(many.build());
    api.database().dsl().execute("analyze customer");
    Customer ofB = Customers.create(api.customers(api.tenantB().key()), Customers.valid().addTags("vip"));
    bCustomer = Customers.id(ofB);
    Customers.create(api.customers(api.tenantB().key()), Customers.valid());
  }

  private static DSLContext serving() {
    return api.serving().dsl();
  }

  private static int count(String table) {
    return serving().fetchCount(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name(table)));
  }

  @Test
  void theServingRoleIsHeldToItsTenantAndSearchesKeepTheirIndexes() {
    ServingRole.Enforcement enforcement = ServingRole.check(serving());

    assertThat(enforcement.bypasses()).isFalse();
    assertThat(enforcement.owns()).isFalse();
    assertThat(enforcement.indexable()).isTrue();
  }

  @Test
  void withoutATenantTheServingRoleSeesNoRowOfAnyTable() {
    for (String table : TENANT_TABLES) {
      // The owner sees every tenant's rows of the tables the writes above filled.
      assertThat(count(table)).as(table).isZero();
    }
    assertThat(count("tenant")).isZero();
    assertThat(api.database().dsl().fetchCount(org.jooq.impl.DSL.table("customer"))).isEqualTo(3 + MANY);
  }

  @Test
  void withATenantItSeesThatTenantsRowsEvenWhenItsQueryAsksForAnother() {
    assertThat(Tenancy.call(a, () -> count("customer"))).isEqualTo(1 + MANY);
    assertThat(Tenancy.call(b, () -> count("customer"))).isEqualTo(2);
    assertThat(Tenancy.call(a, () -> count("tenant"))).isEqualTo(1);
    assertThat(Tenancy.call(a, () -> count("customer_tag"))).isEqualTo(1);
    // A query that forgot its tenant, or named the wrong one, finds nothing.
    assertThat(Tenancy.call(a, () -> serving().fetchCount(
            serving().selectFrom("customer").where("tenant_id = ? and id = ?", b, bCustomer))))
        .isZero();
  }

  @Test
  void itCannotWriteAnotherTenantsRows() {
    int updated = Tenancy.call(a, () -> serving().execute("update customer set notes = 'hacked' where tenant_id = ?", b));
    int deleted = Tenancy.call(a, () -> serving().execute("delete from customer_tag where tenant_id = ?", b));

    assertThat(updated).isZero();
    assertThat(deleted).isZero();
    assertThat(api.database().dsl().fetchCount(
            api.database().dsl().selectFrom("customer").where("tenant_id = ? and notes = 'hacked'", b)))
        .isZero();
    assertThatThrownBy(() -> Tenancy.call(a, () -> serving().execute(
            "insert into audit_event (tenant_id, action) values (?, 'forged')", b)))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("row-level security");
  }

  @Test
  void itCannotTurnTheSecurityOff() {
    assertThatThrownBy(() -> serving().execute("alter table customer disable row level security"))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("must be owner");
    assertThatThrownBy(() -> serving().execute("alter table customer no force row level security"))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("must be owner");
  }

  @Test
  void aPooledConnectionNeverCarriesATenantToWorkOfAnotherOrOfNone() {
    String name = api.database().dsl().resultQuery("select current_database()").fetchSingle(0, String.class);
    // One connection, so every checkout below gets the one the last one used.
    try (Database one = Database.connect(TestDatabases.servingUrlOf(name), null, null, 1, Duration.ofSeconds(30), TestDatabases.POOL_WAIT)) {
      DSLContext dsl = one.dsl();
      int backend = dsl.resultQuery("select pg_backend_pid()").fetchSingle(0, Integer.class);

      assertThat(Tenancy.call(b, () -> dsl.fetchCount(org.jooq.impl.DSL.table("customer")))).isEqualTo(2);
      assertThat(dsl.fetchCount(org.jooq.impl.DSL.table("customer"))).isZero();
      assertThat(Tenancy.call(a, () -> dsl.fetchCount(org.jooq.impl.DSL.table("customer")))).isEqualTo(1 + MANY);
      assertThat(Tenancy.call(a, () -> dsl.fetchCount(org.jooq.impl.DSL.table("customer")))).isEqualTo(1 + MANY);
      assertThat(Tenancy.call(b, () -> dsl.fetchCount(org.jooq.impl.DSL.table("customer")))).isEqualTo(2);
      assertThat(dsl.resultQuery("select pg_backend_pid()").fetchSingle(0, Integer.class)).isEqualTo(backend);
    }
  }

  /**
   * Under row-level security a condition is an index condition only if its
   * functions are leakproof: without V13's declarations, these searches
   * would read every row of the tenant.
   */
  @Test
  void searchConditionsStillUseTheirIndexes() {
    String emailPlan = plan("select id from customer where tenant_id = ? and lower(email) = 'betty@example.com'", a);
    String textPlan = plan("select id from customer where tenant_id = ? and search_text like '%zqxj%'", a);
    String tagPlan = plan("select id from customer where tenant_id = ? and tag_keys @> array['vip']", a);

    assertThat(emailPlan).containsPattern("Index Cond: .*lower\\(email\\)");
    assertThat(textPlan).contains("customer_search_trgm_ix").containsPattern("Index Cond: .*search_text ~~");
    assertThat(tagPlan).contains("customer_tag_keys_ix").containsPattern("Index Cond: .*tag_keys @>");
  }

  /**
   * The policies filter, and are never a way into an index (V18): a
   * statement that reads a rare word's matches without naming its tenant
   * must not be planned as the tenant's whole index ANDed in.
   */
  @Test
  void noPolicyIsAWayIntoAnIndex() {
    for (String table : TENANT_TABLES) {
      assertThat(plan("select * from " + table)).as(table)
          .doesNotContainPattern("Index Cond: .*tenant_id")
          .containsPattern("Filter: .*tenant_id");
    }
    assertThat(plan("select * from tenant")).doesNotContain("Index Cond").containsPattern("Filter: .*\\(id = ");
    String rareWord = plan("select id from customer where search_text like '%zqxj%'");

    assertThat(rareWord).doesNotContainPattern("Index Cond: .*tenant_id").doesNotContain("BitmapAnd");
    assertThat(Tenancy.call(a, () -> serving().fetchCount(serving().selectFrom("customer").where("search_text like '%walker%'"))))
        .isEqualTo(MANY);
  }

  private static String plan(String sql, Object... bindings) {
    return Tenancy.call(a, () -> serving().transactionResult(c -> {
      // Only whether an index can serve the condition matters, not whether
      // a scan of a small table would be cheaper.
      c.dsl().execute("set local enable_seqscan = off");
      return String.join("\n", c.dsl().resultQuery("explain " + sql, bindings).fetch(0, String.class));
    }));
  }
}
