package retail.customers.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.testing.TlsTesting;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import retail.customers.client.CustomersChannel;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.grpc.ServerTls;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestDatabases;

/**
 * TLS over a real port, with the SDK as partners use it: a server
 * certificate from the company's own CA, and mutual TLS where the server
 * requires client certificates. (grpc-java's test certificates, issued for
 * *.test.google.fr.)
 */
class TlsTest {
  @TempDir static Path certs;
  private static Database database;
  private static String databaseName;
  private static ApiServices services;
  private static Server tls;
  private static Server mutual;
  private static ApiKeys.MintedKey store;

  private static File cert(String name) throws IOException {
    Path file = certs.resolve(name);
    try (InputStream in = TlsTesting.loadCert(name)) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return file.toFile();
  }

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabases.create();
    databaseName = database.dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    services = new ApiServices(database, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()));
    tls = services.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
        ServerTls.credentials(cert("server1.pem"), cert("server1.key"), null))).build().start();
    mutual = services.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
        ServerTls.credentials(cert("server1.pem"), cert("server1.key"), cert("ca.pem")))).build().start();
    store = services.apiKeys().createTenant("TLS store", "CA");
  }

  @AfterAll
  static void stop() throws Exception {
    tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    mutual.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    database.close();
    TestDatabases.drop(databaseName);
  }

  private static CustomersChannel.Builder client(Server server) throws IOException {
    return CustomersChannel.builder("127.0.0.1:" + server.getPort()).apiKey(store.key())
        .trustedCertificates(cert("ca.pem")).overrideAuthority("foo.test.google.fr");
  }

  @Test
  void theSdkConnectsOverTlsTrustingTheCompanysCa() throws Exception {
    try (CustomersChannel api = client(tls).build()) {
      assertThat(api.isServing()).isTrue();
      assertThat(Customers.create(api.customers(), Customers.minimal()).getName()).startsWith("customers/");
    }
  }

  @Test
  void aServerWhoseCertificateTheClientDoesNotTrustIsRefused() throws Exception {
    try (CustomersChannel api = CustomersChannel.builder("127.0.0.1:" + tls.getPort()).apiKey(store.key())
        .overrideAuthority("foo.test.google.fr").build()) {
      StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
          () -> Customers.create(api.customers().withDeadlineAfter(10, TimeUnit.SECONDS), Customers.minimal()));
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void mutualTlsRequiresTheClientsCertificate() throws Exception {
    try (CustomersChannel without = client(mutual).build();
        CustomersChannel with = client(mutual).clientCertificate(cert("client.pem"), cert("client.key")).build()) {
      StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
          () -> Customers.create(without.customers().withDeadlineAfter(10, TimeUnit.SECONDS), Customers.minimal()));

      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Customers.create(with.customers(), Customers.minimal()).getName()).startsWith("customers/");
    }
  }

  @Test
  void theCommandLineConnectsOverTlsWithTheCompanysCa() throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    String[] args = {"create", "--first", "Over", "--last", "Tls", "--target", "127.0.0.1:" + tls.getPort(),
        "--ca", cert("ca.pem").toString(), "--authority", "foo.test.google.fr"};

    int code = retail.customers.cli.CustomersCli.run(args, java.util.Map.of("CUSTOMERS_API_KEY", store.key()),
        new java.io.PrintWriter(out), new java.io.PrintWriter(err));

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("first_name: \"Over\"");
  }
}
