package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;

/**
 * The update triggers' plans under row-level security do not depend on the
 * statistics knowing the tenant (V16). The policy's condition,
 * {@code tenant_id = customers_tenant()}, lets the planner into an index by
 * tenant alone; for a store that was new when the table was last analysed
 * it read all the store's tag-walk entries for each customer updated.
 */
class UpdatePlansUnderRowSecurityTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static final int CUSTOMERS = 2_000;

  private static void insertTagged(DSLContext owner, UUID tenant) {
    owner.execute("insert into customer (tenant_id, id, source, first_name, tags)"
        + " select ?, gen_random_uuid(), 'API', 'First' || g, array['vip', 'group' || (g % 7)] from generate_series(1, ?) g",
        tenant, CUSTOMERS);
  }

  @Test
  void anUpdateInAStoreTheStatisticsDoNotKnowReadsOnlyItsOwnTagEntries() throws Exception {
    DSLContext owner = api.database().dsl();
    UUID known = api.tenantA().tenantId();
    UUID unknown = api.tenantB().tenantId();
    owner.execute("alter table tagged_customer set (autovacuum_enabled = false)");
    insertTagged(owner, known);
    owner.execute("analyze tagged_customer");
    insertTagged(owner, unknown); // after the statistics were made
    UUID customer = owner.fetchSingle("select id from customer where tenant_id = ? limit 1", unknown).get(0, UUID.class);

    long fetched;
    try (Connection connection = Tenancy.call(unknown, () -> api.serving().dataSource().getConnection())) {
      connection.setAutoCommit(false);
      try (PreparedStatement rename = connection.prepareStatement("update customer set first_name = 'Renamed' where tenant_id = ? and id = ?")) {
        rename.setObject(1, unknown);
        rename.setObject(2, customer);
        assertThat(rename.executeUpdate()).isOne();
      }
      try (PreparedStatement stats = connection.prepareStatement(
              "select coalesce(idx_tup_fetch, 0) from pg_stat_xact_user_tables where relname = 'tagged_customer'");
          ResultSet row = stats.executeQuery()) {
        row.next();
        fetched = row.getLong(1);
      }
      connection.rollback();
    }

    // Its two tags' entries: replaced, since the name is part of the search text.
    assertThat(fetched).as("tag-walk entries read to update one customer").isEqualTo(2);
  }
}
