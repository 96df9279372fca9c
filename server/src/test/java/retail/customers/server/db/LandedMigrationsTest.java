package retail.customers.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A migration is never edited once written down: Flyway validates every
 * applied migration's checksum and description before it migrates, so a
 * database that applied an earlier text of one refuses to start (V18 was
 * renamed and rewritten between two landings, and databases of the first
 * failed validation). A change is a new migration. The list of migrations
 * and the SHA-256 of each is {@code db/landed-migrations.txt}.
 */
class LandedMigrationsTest {
  private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");

  @Test
  void everyMigrationIsListedWithItsText() throws Exception {
    Map<String, String> listed = listed();
    Map<String, String> present = present();

    for (Map.Entry<String, String> entry : listed.entrySet()) {
      assertThat(present).as("%s has been applied somewhere and must stay", entry.getKey()).containsKey(entry.getKey());
      assertThat(present.get(entry.getKey()))
          .as("%s has changed: write a new migration instead (or, if it has never left this branch, update its line)", entry.getKey())
          .isEqualTo(entry.getValue());
    }
    assertThat(listed.keySet()).as("migrations missing from db/landed-migrations.txt").containsAll(present.keySet());
  }

  private static Map<String, String> listed() throws IOException {
    Map<String, String> listed = new TreeMap<>();
    try (InputStream in = LandedMigrationsTest.class.getResourceAsStream("/db/landed-migrations.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] fields = line.trim().split("\\s+");
          listed.put(fields[0], fields[1]);
        }
      }
    }
    return listed;
  }

  private static Map<String, String> present() throws IOException, NoSuchAlgorithmException {
    Map<String, String> present = new TreeMap<>();
    try (Stream<Path> files = Files.list(MIGRATIONS)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".sql")).toList()) {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        present.put(file.getFileName().toString(), HexFormat.of().formatHex(digest));
      }
    }
    return present;
  }
}
