package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import retail.customers.server.testing.TestDatabases;

/**
 * A database migrated by the main of the day when V18 had its first text
 * (stop 26) starts the server: Flyway would refuse it, since V18's text has
 * changed since, and {@link RewrittenMigrations} brings it level first.
 * The first text is kept in the test resources as it landed.
 */
class RewrittenMigrationsTest {
  private final String name = TestDatabases.createEmpty();
  private final PGSimpleDataSource owner = new PGSimpleDataSource();

  RewrittenMigrationsTest() {
    owner.setURL(TestDatabases.urlOf(name));
  }

  @AfterEach
  void drop() {
    TestDatabases.drop(name);
  }

  @Test
  void aDatabaseThatAppliedTheFirstV18IsMigratedWithEveryPolicyOfTheSecond() throws SQLException {
    Flyway.configure().dataSource(owner).locations("classpath:db/migration").target("17").load().migrate();
    Flyway.configure().dataSource(owner).locations("classpath:db/stop26").ignoreMigrationPatterns("*:missing").load().migrate();
    assertThat(policy("customer_tag")).as("V13's policy, which the first V18 left").isEqualTo("(tenant_id = customers_tenant())");

    Database.migrate(owner);

    assertThat(policy("customer_tag")).contains("SELECT customers_tenant()").endsWith("IS NOT NULL)");
    assertThat(policy("tenant")).contains("SELECT customers_tenant()").endsWith("IS NOT NULL)");
    assertThat(single("select description from flyway_schema_history where version = '18'")).isEqualTo("policies are no way in");
    assertThat(single("select count(*) from flyway_schema_history where not success")).isEqualTo("0");
    assertThat(single("select max(installed_rank) = count(*) from flyway_schema_history")).isEqualTo("t");
    // Every migration after V18 ran: the history's last is the newest there is.
    assertThat(Flyway.configure().dataSource(owner).locations("classpath:db/migration").load().info().pending()).isEmpty();
  }

  @Test
  void aDatabaseMigratedFromScratchKeepsItsHistory() throws SQLException {
    Database.migrate(owner);
    String checksums = single("select string_agg(version || ':' || checksum, ',' order by installed_rank) from flyway_schema_history");

    Database.migrate(owner);

    assertThat(single("select string_agg(version || ':' || checksum, ',' order by installed_rank) from flyway_schema_history"))
        .isEqualTo(checksums);
  }

  private String policy(String table) throws SQLException {
    return single("select qual from pg_policies where tablename = '" + table + "' and policyname = 'tenant_isolation'");
  }

  private String single(String sql) throws SQLException {
    try (Connection c = owner.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
