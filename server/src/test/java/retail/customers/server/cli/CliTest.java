package retail.customers.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import retail.customers.cli.CustomersCli;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.TestDatabases;

/** Every command of the {@code customers} command line against the real server over a real port: output and exit code. */
class CliTest {
  private static Database database;
  private static String databaseName;
  private static ApiServices services;
  private static Server server;
  private static ApiKeys.MintedKey store;

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabases.create();
    databaseName = database.dsl().fetchValue(DSL.field("current_database()", String.class));
    services = new ApiServices(database, Clock.systemUTC(),
        ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(0, 0));
    server = services.configure(NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))).build().start();
    store = services.apiKeys().createTenant("CLI store", "CA");
  }

  @AfterAll
  static void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    database.close();
    TestDatabases.drop(databaseName);
  }

  /** What a command printed, and its exit code. */
  record Run(int code, String out, String err) {}

  private static Run runAs(String key, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = key == null
        ? Map.of("CUSTOMERS_TARGET", "127.0.0.1:" + server.getPort(), "CUSTOMERS_PLAINTEXT", "true")
        : Map.of("CUSTOMERS_TARGET", "127.0.0.1:" + server.getPort(), "CUSTOMERS_API_KEY", key, "CUSTOMERS_PLAINTEXT", "true");
    int code = CustomersCli.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  private static Run run(String... args) {
    return runAs(store.key(), args);
  }

  private static String nameIn(String output) {
    Matcher m = Pattern.compile("customers/[0-9a-f-]{36}").matcher(output);
    assertThat(m.find()).as("a customer name in %s", output).isTrue();
    return m.group();
  }

  @Test
  void aCustomersLifeFromTheCommandLine() {
    Run created = run("create", "--first", "Hélène", "--last", "Tremblay", "--mobile", "(514) 555-0123", "--tag", "vip",
        "--set", "address.city=Montréal", "--set", "address.country_code=CA");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).contains("first_name: \"Hélène\"", "mobile_phone: \"+15145550123\"", "city: \"Montréal\"");
    String name = nameIn(created.out());
    String id = name.substring("customers/".length());

    Run found = run("search", "tremblay", "--tag", "vip", "--sort", "last-name");
    Run got = run("get", id, "--register");
    Run updated = run("update", id, "--set", "email=helene@example.com", "--set", "notes=");
    Run archived = run("archive", name);
    Run restored = run("restore", id);
    Run erased = run("erase", id, "--reason", "asked");

    assertThat(found.code()).isZero();
    assertThat(found.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("FIRST", "LAST", "EMAIL", "TAGS");
    assertThat(found.out()).contains(name, "Hélène", "vip");
    assertThat(got.out()).contains("first_name: \"Hélène\"").doesNotContain("tags");
    assertThat(updated.out()).contains("email: \"helene@example.com\"");
    assertThat(archived.out()).isEqualTo("archived " + name + "\n");
    assertThat(restored.out()).isEqualTo("restored " + name + "\n");
    assertThat(erased.out()).isEqualTo("erased " + name + "\n");
    assertThat(run("get", id).out()).doesNotContain("Hélène");
  }

  @Test
  void jsonForScripts() {
    Run created = run("create", "--first", "Json", "--last", "Person", "--json");
    String name = nameIn(created.out());

    Run found = run("search", "json person", "--json");

    assertThat(created.out().strip()).startsWith("{\"name\":\"" + name + "\"").endsWith("}").doesNotContain("\n");
    assertThat(found.out().lines()).allSatisfy(line -> assertThat(line).startsWith("{\"name\":"));
  }

  @Test
  void eachKindOfFailureHasItsExitCodeAndNamesWhatIsWrong() {
    Run missing = run("get", "01a24f0f-83d2-713a-8e9f-d6a95464c07a");
    Run invalid = run("create", "--first", "Bad", "--email", "not an email");
    Run usage = run("create", "--no-such-option");
    Run badSort = run("search", "x", "--sort", "shoe-size");
    Run noKey = runAs(null, "search", "x");
    Run badKey = runAs("ck_" + "C".repeat(43), "search", "x");
    Run created = run("create", "--first", "Stale");
    String id = nameIn(created.out()).substring("customers/".length());
    run("update", id, "--set", "notes=first");
    Run stale = run("update", id, "--set", "notes=second", "--etag", "\"1\"");

    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err()).contains("customers/01a24f0f");
    assertThat(invalid.code()).isEqualTo(4);
    assertThat(invalid.err()).contains("customer.email:");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(badSort.code()).isEqualTo(2);
    assertThat(badSort.err()).contains("--sort shoe-size");
    assertThat(noKey.code()).isEqualTo(2);
    assertThat(noKey.err()).contains("CUSTOMERS_API_KEY");
    assertThat(badKey.code()).isEqualTo(6);
    assertThat(stale.code()).isEqualTo(5);
  }

  @Test
  void exportThenImportWithProgressAndTheRowsReport(@TempDir Path dir) throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(run("create", "--first", "Exported" + i, "--last", "Row", "--tag", "export-me").code()).isZero();
    }
    Path file = dir.resolve("out.csv");

    Run exported = run("export", "--tag", "export-me", "--out", file.toString(), "--lang", "fr");
    ApiKeys.MintedKey other = services.apiKeys().createTenant("CLI import store", "CA");
    Run dryRun = runAs(other.key(), "import", file.toString(), "--dry-run");
    Run imported = runAs(other.key(), "import", file.toString());
    Files.writeString(file, Files.readString(file) + "Bad,Row,,,,,,,,,,,,,,,,,,,,,,not an email\n");
    Run rejected = runAs(other.key(), "import", file.toString(), "--dry-run");

    assertThat(exported.code()).as(exported.err()).isZero();
    assertThat(exported.out()).isEqualTo("exported 5 customers to " + file + "\n");
    assertThat(exported.err()).as("the progress's last line").contains("5 rows");
    assertThat(Files.readString(file)).startsWith("Type,Créé,").contains("Prénom", "Exported3");
    assertThat(dryRun.out()).startsWith("dry run: 5 rows read, 5 imported");
    assertThat(imported.code()).isZero();
    assertThat(imported.out()).startsWith("5 rows read, 5 imported");
    assertThat(rejected.code()).isEqualTo(4);
    assertThat(rejected.out()).contains("1 rejected", "line 7");
  }

  @Test
  void keysAreCreatedListedAndRevoked() {
    Run created = run("keys", "create", "--name", "Till 3", "--scope", "customers.read", "--scope", "customers.write");
    Matcher key = Pattern.compile("key \\(shown once, keep it safe\\): (ck_\\S+)").matcher(created.out());
    assertThat(key.find()).as(created.out()).isTrue();
    String keyName = Pattern.compile("apiKeys/[0-9a-f-]{36}").matcher(created.out()).results().findFirst().orElseThrow().group();

    Run listed = run("keys", "list");
    Run asTill = runAs(key.group(1), "search", "x");
    Run tillExports = runAs(key.group(1), "export", "--out", "/dev/null");
    Run revoked = run("keys", "revoke", keyName);
    Run afterRevoke = runAs(key.group(1), "search", "x");

    assertThat(listed.out()).contains(keyName, "Till 3", "customers.read customers.write");
    assertThat(asTill.code()).isZero();
    assertThat(tillExports.code()).isEqualTo(6);
    assertThat(tillExports.err()).contains("customers.export");
    assertThat(revoked.out()).isEqualTo("revoked " + keyName + "\n");
    assertThat(afterRevoke.code()).isEqualTo(6);
  }

  @Test
  void referenceDataAndTags() {
    ApiKeys.MintedKey shop = services.apiKeys().createTenant("CLI reference store", "CA");
    io.grpc.ManagedChannel channel =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      retail.customers.v1.TaxClassServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(retail.customers.server.testing.ApiServer.bearer(shop.key()))
          .createTaxClass(retail.customers.v1.CreateTaxClassRequest.newBuilder()
              .setTaxClass(retail.customers.v1.TaxClass.newBuilder().setDisplayName("Exempt").setIsDefault(true)).build());
    } finally {
      channel.shutdownNow();
    }
    runAs(shop.key(), "create", "--first", "Tagged", "--tag", "vip", "--tag", "staff");

    Run taxClasses = runAs(shop.key(), "tax-classes");
    Run tags = runAs(shop.key(), "tags", "v");
    Run types = runAs(shop.key(), "types");
    Run fields = runAs(shop.key(), "fields", "--json");

    assertThat(taxClasses.out()).contains("Exempt", "*");
    assertThat(tags.out()).contains("vip").doesNotContain("staff");
    assertThat(types.out().strip()).isEqualTo("NAME  DISPLAY NAME  DISCOUNT %  TAX CLASS");
    assertThat(fields.out()).isEmpty();
    assertThat(types.code() + tags.code() + taxClasses.code() + fields.code()).isZero();
  }
}
