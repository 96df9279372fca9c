package retail.customers.codegen;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Target;

/**
 * Generates the server's jOOQ classes from its Flyway migrations.
 *
 * <p>jOOQ's DDLDatabase parses migrations without a database but gets realistic
 * PostgreSQL DDL wrong (generated columns, trigram indexes, citext), so the
 * migrations are applied to a real, throw-away embedded PostgreSQL and the
 * classes are generated from its catalogue. When the migrations have not
 * changed since the last run (same hash), nothing is done: the build stays
 * fast.
 *
 * <p>Arguments: the migrations directory, the output directory, the target
 * package.
 */
public final class JooqCodegen {
  private static final String STAMP = ".migrations.sha256";

  private JooqCodegen() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: JooqCodegen <migrations dir> <output dir> <package>");
    }
    Path migrations = Path.of(args[0]).toAbsolutePath();
    Path output = Path.of(args[1]).toAbsolutePath();
    String packageName = args[2];

    String hash = hashOf(migrations, packageName);
    Path stamp = output.resolve(STAMP);
    if (Files.exists(stamp) && Files.readString(stamp).equals(hash)) {
      System.out.println("[jooq-codegen] migrations unchanged, keeping " + output);
      return;
    }
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      Flyway.configure()
          .loggers("slf4j")
          .dataSource(postgres.getPostgresDatabase())
          .locations("filesystem:" + migrations)
          .load()
          .migrate();
      GenerationTool.generate(configuration(postgres.getJdbcUrl("postgres", "postgres"), output, packageName));
    }
    Files.writeString(stamp, hash);
    System.out.println("[jooq-codegen] generated " + packageName + " into " + output);
  }

  private static Configuration configuration(String jdbcUrl, Path output, String packageName) {
    return new Configuration()
        .withJdbc(new Jdbc().withDriver("org.postgresql.Driver").withUrl(jdbcUrl).withUser("postgres"))
        .withGenerator(
            new Generator()
                .withDatabase(
                    new Database()
                        .withName("org.jooq.meta.postgres.PostgresDatabase")
                        .withInputSchema("public")
                        .withOutputSchemaToDefault(true)
                        .withExcludes("flyway_schema_history")
                        .withIncludeRoutines(false)
                        .withTableValuedFunctions(false))
                .withGenerate(
                    new Generate()
                        .withRecords(true)
                        .withPojos(false)
                        .withFluentSetters(true)
                        .withJavaTimeTypes(true)
                        .withGeneratedAnnotation(false))
                .withTarget(
                    new Target()
                        .withPackageName(packageName)
                        .withDirectory(output.toString())
                        .withClean(true)));
  }

  /** A hash of every migration's name and content, and of the package name. */
  private static String hashOf(Path migrations, String packageName) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    digest.update(packageName.getBytes(StandardCharsets.UTF_8));
    List<Path> files;
    try (Stream<Path> listing = Files.list(migrations)) {
      files = listing.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path file : files) {
      digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      digest.update(Files.readAllBytes(file));
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
