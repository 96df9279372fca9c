package retail.customers.server.faults;

import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.db.EmbeddedDatabase;
import retail.customers.server.db.ServingRole;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.CustomerServiceGrpc;

/**
 * The server over Netty, with production's settings except the rate limit,
 * on a PostgreSQL of its own that a test may stop, start again on the same
 * data and port, or freeze; and a channel to it.
 */
final class OwnPostgresServer implements AutoCloseable {
  private static final String SHARED_BUFFERS = "32MB";

  private final Path dir;
  private final int port;
  private EmbeddedDatabase postgres;
  private final Database serving;
  private final ApiServices services;
  private final Server server;
  private final ManagedChannel channel;

  OwnPostgresServer(Path dir) throws IOException {
    this.dir = dir;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    postgres = EmbeddedDatabase.start(dir, port, SHARED_BUFFERS);
    TestDatabases.migrate(postgres.jdbcUrl("postgres"));
    serving = Database.connect(postgres.jdbcUrl("postgres", ServingRole.EMBEDDED), null, null, 10, Duration.ofSeconds(60));
    services = new ApiServices(serving, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withRateLimit(0, 0));
    server = services.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  ManagedChannel channel() {
    return channel;
  }

  /** The customer service as a new tenant's register. */
  CustomerServiceGrpc.CustomerServiceBlockingStub newStore(String name) {
    ApiKeys.MintedKey store = services.apiKeys().createTenant(name, "CA");
    return CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()));
  }

  /** Stops PostgreSQL as {@code pg_ctl stop -m fast} does: the backends end, the postmaster exits. */
  void stopDatabase() {
    postgres.close();
  }

  /** Starts PostgreSQL again on the same data and port. */
  void startDatabase() {
    postgres = EmbeddedDatabase.start(dir, port, SHARED_BUFFERS);
  }

  /** The postmaster and every process it started, for signals. */
  List<Long> databaseProcesses() throws IOException {
    Path pidFile;
    try (Stream<Path> files = Files.walk(dir)) {
      pidFile = files.filter(p -> p.getFileName().toString().equals("postmaster.pid")).findFirst().orElseThrow();
    }
    long postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    List<Long> pids = new ArrayList<>();
    pids.add(postmaster);
    ProcessHandle.of(postmaster).orElseThrow().descendants().forEach(p -> pids.add(p.pid()));
    return pids;
  }

  /** The customers whose external reference starts with {@code prefix}, counted as the owner (all tenants). */
  int rows(String prefix) {
    try (Database owner = Database.connect(postgres.jdbcUrl("postgres"), null, null, 1, Duration.ofSeconds(60))) {
      return owner.dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.startsWith(prefix));
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    serving.close();
    postgres.close();
  }
}
