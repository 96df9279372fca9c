package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.testing.TestDatabases;

/**
 * The two pools differ in how PostgreSQL plans their statements, and in
 * nothing else a statement could notice.
 */
class DatabaseTest {
  private static Database database;
  private static String name;

  @BeforeAll
  static void open() {
    database = TestDatabases.create();
    name = database.dsl().fetchSingle("select current_database()").get(0, String.class);
  }

  @AfterAll
  static void close() {
    database.close();
    TestDatabases.drop(name);
  }

  private static String setting(DSLContext dsl, String setting) {
    return dsl.fetchSingle("select current_setting(?)", setting).get(0, String.class);
  }

  /**
   * After an outage the server renews its pools (their connection adder may
   * be asleep in its back-off): the connections then come from other
   * sessions, and the old pools' sessions end.
   */
  @Test
  void renewingThePoolsServesFromNewSessionsAndEndsTheOldOnes() throws Exception {
    int before = backendPid(database.dsl());
    int cachedBefore = backendPid(database.cachedPlans());

    database.renewConnections();

    assertThat(backendPid(database.dsl())).isNotEqualTo(before);
    assertThat(backendPid(database.cachedPlans())).isNotEqualTo(cachedBefore);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (alive(before, cachedBefore) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(alive(before, cachedBefore)).as("sessions of the old pools still open").isZero();
  }

  private static int backendPid(DSLContext dsl) {
    return dsl.fetchSingle("select pg_backend_pid()").get(0, Integer.class);
  }

  private static int alive(int... pids) {
    return database.dsl().fetchSingle("select count(*) from pg_stat_activity where pid = any(?)", (Object) pids)
        .get(0, Integer.class);
  }

  @Test
  void statementsArePlannedForTheirValuesUnlessTheirPlanIsCached() {
    assertThat(setting(database.dsl(), "plan_cache_mode")).isEqualTo("force_custom_plan");
    assertThat(setting(database.cachedPlans(), "plan_cache_mode")).isEqualTo("force_generic_plan");
  }

  @Test
  void bothPoolsBoundTheirStatementsAlike() {
    for (String setting : new String[] {"statement_timeout", "lock_timeout", "max_parallel_workers_per_gather"}) {
      assertThat(setting(database.cachedPlans(), setting)).as(setting).isEqualTo(setting(database.dsl(), setting));
    }
    assertThat(setting(database.dsl(), "statement_timeout")).isEqualTo("30s");
  }

  @Test
  void aCachedPlanIsMadeOnceAndReusedWhateverTheValues() {
    // A prepared statement on a plan made for its values would count its custom plans.
    database.cachedPlans().connection(connection -> {
      for (int i = 0; i < 3; i++) {
        try (var statement = connection.prepareStatement("select count(*) from customer where tenant_id = ?::uuid")) {
          statement.setString(1, java.util.UUID.randomUUID().toString());
          statement.executeQuery().close();
        }
      }
      try (var plans = connection.createStatement().executeQuery(
          "select generic_plans, custom_plans from pg_prepared_statements where statement like 'select count(*) from customer%'")) {
        assertThat(plans.next()).isTrue();
        assertThat(plans.getLong(1)).isEqualTo(3);
        assertThat(plans.getLong(2)).isZero();
      }
    });
  }
}
