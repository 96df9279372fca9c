package retail.customers.server.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings level a database that applied an earlier text of a migration.
 * Flyway checks each applied migration's checksum and description before it
 * migrates and refuses to start on a mismatch. A migration that has landed
 * is never edited (LandedMigrationsTest says so), but V18 once was: it
 * landed as "customer policy is no way in", which rewrote the policy of
 * {@code customer} alone, and landed again rewritten as "policies are no
 * way in", which rewrites every tenant table's. A database migrated in
 * between has the first: this applies what the second adds and records
 * the second as applied (Flyway's repair), after which it migrates as any
 * other.
 */
final class RewrittenMigrations {
  private static final Logger log = LoggerFactory.getLogger(RewrittenMigrations.class);

  /** The first V18's description, as Flyway recorded it. */
  private static final String FIRST_V18 = "customer policy is no way in";

  /**
   * The second V18, whose first statement, the policy of every tenant table,
   * is what the first did not do. Its text never changes again
   * (LandedMigrationsTest).
   */
  private static final String SECOND_V18 = "/db/migration/V18__policies_are_no_way_in.sql";

  private RewrittenMigrations() {}

  /** Levels {@code dataSource}'s database if it applied the first V18; does nothing otherwise. */
  static void level(DataSource dataSource, Flyway flyway) {
    try (Connection c = dataSource.getConnection()) {
      if (!appliedFirstV18(c, flyway.getConfiguration().getTable())) {
        return;
      }
      log.warn("V18 was applied as \"{}\", a text that was rewritten later: applying the rest of it", FIRST_V18);
      try (Statement s = c.createStatement()) {
        s.execute(policiesOfSecondV18());
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot bring V18 of the database level with its current text", e);
    }
    // Done twice, the statement above changes nothing, so a failure between
    // the two steps is mended by the next start.
    flyway.repair();
  }

  /** The second V18's {@code do} block, from its opening to its {@code end $$}. */
  private static String policiesOfSecondV18() throws IOException {
    try (InputStream in = RewrittenMigrations.class.getResourceAsStream(SECOND_V18)) {
      if (in == null) {
        throw new IOException(SECOND_V18 + " is not on the class path");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int start = text.indexOf("do $$");
      int end = text.indexOf("end $$", start);
      if (start < 0 || end < 0) {
        throw new IOException(SECOND_V18 + " has no do block");
      }
      return text.substring(start, end + "end $$".length());
    }
  }

  private static boolean appliedFirstV18(Connection c, String historyTable) throws SQLException {
    try (PreparedStatement exists = c.prepareStatement("select to_regclass(?) is not null")) {
      exists.setString(1, historyTable);
      try (ResultSet rs = exists.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return false;
        }
      }
    }
    // The table's name is Flyway's setting, not input.
    try (PreparedStatement first = c.prepareStatement(
        "select 1 from " + historyTable + " where version = '18' and description = ? and success")) {
      first.setString(1, FIRST_V18);
      try (ResultSet rs = first.executeQuery()) {
        return rs.next();
      }
    }
  }
}
