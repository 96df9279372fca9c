package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;

/**
 * The update triggers' joins of a statement's old and new rows stay linear
 * on a connection whose first update was of one customer (V17). Those
 * statements are planned once per connection, with the transition tables'
 * sizes of their first run; planned for one row, they became nested loops
 * that compared every old row with every new one when a batch came.
 *
 * <p>The work is read from the plans of the triggers' statements, which
 * auto_explain sends back as notices: no clock.
 */
class TransitionJoinsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static final int CUSTOMERS = 1_000;
  private static final Pattern REMOVED_BY_JOIN_FILTER = Pattern.compile("Rows Removed by Join Filter: (\\d+)");

  @Test
  void aBatchUpdateAfterASingleOneComparesEachRowOnce() throws Exception {
    DSLContext owner = api.database().dsl();
    UUID tenant = api.tenantA().tenantId();
    owner.execute("insert into customer (tenant_id, id, source, first_name, tags)"
        + " select ?, gen_random_uuid(), 'API', 'First' || g, array['vip', 'group' || (g % 7)] from generate_series(1, ?) g",
        tenant, CUSTOMERS);
    UUID one = owner.fetchSingle("select id from customer where tenant_id = ? limit 1", tenant).get(0, UUID.class);

    List<String> plans = new ArrayList<>();
    // A connection of its own: its triggers' statements are planned here, first for one row.
    try (Connection connection = api.database().dedicatedConnection()) {
      connection.setAutoCommit(false);
      try (Statement setup = connection.createStatement()) {
        setup.execute("load 'auto_explain'");
        setup.execute("set auto_explain.log_nested_statements = on");
        setup.execute("set auto_explain.log_analyze = on");
        setup.execute("set auto_explain.log_timing = off");
        setup.execute("set auto_explain.log_level = notice");
      }
      try (PreparedStatement single = connection.prepareStatement(
          "update customer set notes = 'one', tags = tags || 'single'::text where tenant_id = ? and id = ?")) {
        single.setObject(1, tenant);
        single.setObject(2, one);
        assertThat(single.executeUpdate()).isOne();
      }
      try (Statement explain = connection.createStatement()) {
        explain.execute("set auto_explain.log_min_duration = 0");
      }
      try (PreparedStatement batch = connection.prepareStatement(
          "update customer set notes = 'all', tags = tags || 'batch'::text where tenant_id = ?")) {
        batch.setObject(1, tenant);
        assertThat(batch.executeUpdate()).isEqualTo(CUSTOMERS);
        for (SQLWarning notice = batch.getWarnings(); notice != null; notice = notice.getNextWarning()) {
          plans.add(notice.getMessage());
        }
      }
      connection.rollback();
    }

    assertThat(plans).as("plans of the triggers' statements").anyMatch(plan -> plan.contains("old_rows"));
    long worst = 0;
    for (String plan : plans) {
      Matcher removed = REMOVED_BY_JOIN_FILTER.matcher(plan);
      while (removed.find()) {
        worst = Math.max(worst, Long.parseLong(removed.group(1)));
      }
    }
    assertThat(worst).as("rows a join of the batch's old and new rows tried and threw away, at most").isLessThanOrEqualTo(CUSTOMERS);
    // Without nested loops, PostgreSQL before 18 costs a lateral unnest so high that JIT compiled it on every write.
    assertThat(plans).as("plans compiled by JIT").noneMatch(plan -> plan.contains("JIT:"));
  }
}
