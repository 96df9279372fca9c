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
    assertThat(got.out()).as("the register view").contains("first_name: \"Hélène\"", "etag: ", "city: \"Montréal\"")
        .doesNotContain("tags", "mobile_phone");
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

  /**
   * The export's progress in a real pseudo-terminal: util-linux
   * {@code script} runs the command line's own JVM with a pty for its
   * standard streams (as a terminal window would), once as it is and once
   * with its output piped through {@code cat}. Only the first may redraw
   * its line in place. A pty turns each newline into CR LF, so the text is
   * read with CR LF taken as LF: a carriage return left is a redraw.
   */
  @Test
  void onARealTerminalExportRedrawsItsProgressInPlaceAndPipedItPrintsPlainLines(@TempDir Path dir) throws Exception {
    ProcessBuilder probe = new ProcessBuilder("script", "--version").redirectErrorStream(true);
    String version;
    try {
      Process p = probe.start();
      version = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor();
    } catch (java.io.IOException e) {
      version = "";
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(version.contains("util-linux"),
        "needs util-linux script(1) for a pseudo-terminal; found: " + version.strip());
    ApiKeys.MintedKey shop = services.apiKeys().createTenant("CLI terminal store", "CA");
    for (int i = 0; i < 3; i++) {
      assertThat(runAs(shop.key(), "create", "--first", "Shown" + i, "--last", "Progress").code()).isZero();
    }

    String onTerminal = inPseudoTerminal(dir, shop.key(), "export --out '" + dir.resolve("tty.csv") + "'");
    String piped = inPseudoTerminal(dir, shop.key(), "export --out '" + dir.resolve("piped.csv") + "' 2>&1 | cat");

    assertThat(onTerminal).containsPattern("\r3 rows, [0-9,]+ rows/s").contains("exported 3 customers to");
    assertThat(piped).doesNotContain("\r").containsPattern("(?m)^3 rows, [0-9,]+ rows/s$").contains("exported 3 customers to");
    assertThat(Files.readString(dir.resolve("piped.csv"))).isEqualTo(Files.readString(dir.resolve("tty.csv")));
  }

  /** What {@code customers <arguments>} wrote to a pseudo-terminal, CR LF read as LF; fails unless it exits with 0. */
  private static String inPseudoTerminal(Path dir, String key, String arguments) throws Exception {
    Path typescript = Files.createTempFile(dir, "typescript", ".txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder("script", "--quiet", "--return", "--flush", "--command",
        "'" + java + "' --enable-native-access=ALL-UNNAMED retail.customers.cli.CustomersCli " + arguments, "/dev/null")
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(typescript.toFile());
    builder.environment().put("SHELL", "/bin/sh");
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("CUSTOMERS_TARGET", "127.0.0.1:" + server.getPort());
    builder.environment().put("CUSTOMERS_PLAINTEXT", "true");
    builder.environment().put("CUSTOMERS_API_KEY", key);
    Process process = builder.start();
    boolean ended = process.waitFor(60, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }
    String output = Files.readString(typescript);
    assertThat(ended).as("ended: %s", output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output.replace("\r\n", "\n");
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
    runAs(shop.key(), "tax-classes", "create", "--name", "Exempt", "--default");
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

  private static String nameIn(String collection, Run run) {
    Matcher m = Pattern.compile(collection + "/[0-9a-z_-]+").matcher(run.out());
    assertThat(m.find()).as("a name of %s in %s (%s)", collection, run.out(), run.err()).isTrue();
    return m.group();
  }

  @Test
  void customerTypesAreCreatedUpdatedAndDeleted() {
    String key = services.apiKeys().createTenant("CLI types store", "CA").key();
    String reduced = nameIn("taxClasses", runAs(key, "tax-classes", "create", "--name", "Reduced"));

    Run created = runAs(key, "types", "create", "--name", "Student", "--discount", "12.5", "--tax-class", reduced);
    String student = nameIn("customerTypes", created);
    String studentId = student.substring("customerTypes/".length());
    Run updated = runAs(key, "types", "update", studentId, "--discount", "15", "--json");
    Run renamed = runAs(key, "types", "update", student, "--name", "Students", "--no-tax-class");
    runAs(key, "create", "--first", "Pupil", "--set", "customer_type=" + student);
    Run inUse = runAs(key, "types", "delete", studentId);
    String pupil = nameIn("customerTypes", runAs(key, "types", "create", "--name", "Pupil"));
    Run reassigned = runAs(key, "types", "delete", studentId, "--reassign-to", pupil);
    Run detached = runAs(key, "types", "delete", pupil, "--detach", "--json");
    Run listed = runAs(key, "types", "list");

    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out().lines()).containsExactly(
        "NAME" + " ".repeat(student.length() - 2) + "DISPLAY NAME  DISCOUNT %  TAX CLASS",
        student + "  Student       12.50       " + reduced);
    assertThat(updated.out().strip()).startsWith("{\"name\":\"" + student + "\"").contains("\"discountPercent\":\"15.00\"")
        .doesNotContain("\n");
    assertThat(renamed.out()).contains("Students", "15.00").doesNotContain("taxClasses/");
    assertThat(inUse.code()).isEqualTo(5);
    assertThat(inUse.err()).as("says how many").contains("1 customer");
    assertThat(reassigned.code()).isZero();
    assertThat(reassigned.out()).isEqualTo("deleted " + student + ", 1 customer reassigned\n");
    assertThat(detached.out()).isEqualTo("{\"name\":\"" + pupil + "\",\"deleted\":true,\"affectedCustomers\":1}\n");
    assertThat(listed.out().strip()).isEqualTo("NAME  DISPLAY NAME  DISCOUNT %  TAX CLASS");
    assertThat(updated.code() + renamed.code() + detached.code() + listed.code()).isZero();
  }

  @Test
  void taxClassesAreCreatedUpdatedAndDeleted() {
    String key = services.apiKeys().createTenant("CLI tax store", "CA").key();

    Run standard = runAs(key, "tax-classes", "create", "--name", "Standard", "--default");
    String exempt = nameIn("taxClasses", runAs(key, "tax-classes", "create", "--name", "Exempt"));
    Run theDefault = runAs(key, "tax-classes", "delete", nameIn("taxClasses", standard));
    Run madeDefault = runAs(key, "tax-classes", "update", exempt, "--name", "Tax exempt", "--default");
    Run deleted = runAs(key, "tax-classes", "delete", nameIn("taxClasses", standard));
    Run listed = runAs(key, "tax-classes", "list", "--json");

    assertThat(standard.out()).contains("Standard", "*");
    assertThat(theDefault.code()).as("the default cannot be deleted").isEqualTo(5);
    assertThat(madeDefault.out().lines()).last().asString().startsWith(exempt).contains("Tax exempt").endsWith("*");
    assertThat(deleted.out()).isEqualTo("deleted " + nameIn("taxClasses", standard) + "\n");
    assertThat(listed.out().lines()).singleElement().asString().contains(exempt, "\"isDefault\":true");
    assertThat(standard.code() + madeDefault.code() + deleted.code() + listed.code()).isZero();
  }

  @Test
  void customFieldsAreCreatedUpdatedAndDeleted() {
    ApiKeys.MintedKey shop = services.apiKeys().createTenant("CLI fields store", "CA");

    Run created = runAs(shop.key(), "fields", "create", "favourite_colour", "--name", "Favourite colour", "--type", "choice",
        "--option", "Red", "--option", "Blue");
    Run size = runAs(shop.key(), "fields", "create", "shoe_size", "--name", "Shoe size", "--type", "number", "--required");
    Run updated = runAs(shop.key(), "fields", "update", "favourite_colour", "--option", "Red", "--option", "Blue", "--option", "Green");
    Run optional = runAs(shop.key(), "fields", "update", "customFields/shoe_size", "--required", "false");
    try (retail.customers.client.CustomersClient client = retail.customers.client.CustomersClient.builder("127.0.0.1:" + server.getPort())
        .apiKey(shop.key()).usePlaintext().build()) {
      client.createCustomer(retail.customers.v1.Customer.newBuilder().setFirstName("Colourful").putCustomFields("favourite_colour",
          retail.customers.v1.CustomFieldValue.newBuilder().setChoiceValue("Green").build()).build());
    }
    Run inUse = runAs(shop.key(), "fields", "delete", "favourite_colour");
    Run forced = runAs(shop.key(), "fields", "delete", "favourite_colour", "--force");
    Run unused = runAs(shop.key(), "fields", "delete", "shoe_size", "--json");
    Run listed = runAs(shop.key(), "fields");

    assertThat(created.out().lines()).last().asString()
        .isEqualTo("customFields/favourite_colour  Favourite colour  single_choice  Red,Blue");
    assertThat(size.out().lines()).last().asString().matches("customFields/shoe_size +Shoe size +number +yes");
    assertThat(updated.out()).contains("Red,Blue,Green");
    assertThat(optional.out().lines()).last().asString().doesNotEndWith("yes");
    assertThat(inUse.code()).isEqualTo(5);
    assertThat(forced.out()).isEqualTo("deleted customFields/favourite_colour, 1 customer cleared\n");
    assertThat(unused.out()).isEqualTo("{\"name\":\"customFields/shoe_size\",\"deleted\":true,\"affectedCustomers\":0}\n");
    assertThat(listed.out().strip()).isEqualTo("NAME  DISPLAY NAME  TYPE  OPTIONS  REQUIRED");
    assertThat(created.code() + size.code() + updated.code() + optional.code() + forced.code() + unused.code() + listed.code()).isZero();
  }

  @Test
  void setUpCommandsFailWithTheExitCodeOfTheirKindOfFailure() {
    String key = services.apiKeys().createTenant("CLI set-up failures store", "CA").key();
    String vip = nameIn("customerTypes", runAs(key, "types", "create", "--name", "VIP"));
    runAs(key, "types", "update", vip, "--name", "V.I.P.");
    Matcher reader = Pattern.compile("key \\(shown once, keep it safe\\): (ck_\\S+)")
        .matcher(runAs(key, "keys", "create", "--name", "Reader", "--scope", "customers.read").out());
    assertThat(reader.find()).isTrue();

    Run badDiscount = runAs(key, "types", "create", "--name", "Generous", "--discount", "150");
    Run badId = runAs(key, "fields", "create", "Shoe Size", "--name", "Shoe size", "--type", "number");
    Run badType = runAs(key, "fields", "create", "colour", "--name", "Colour", "--type", "colour");
    Run nothingToChange = runAs(key, "types", "update", vip);
    Run bothPolicies = runAs(key, "types", "delete", vip, "--reassign-to", vip, "--detach");
    Run missing = runAs(key, "types", "update", "01a24f0f-83d2-713a-8e9f-d6a95464c07a", "--name", "Ghost");
    Run taken = runAs(key, "types", "create", "--name", "v.i.p.");
    String old = nameIn("taxClasses", runAs(key, "tax-classes", "create", "--name", "Old"));
    runAs(key, "tax-classes", "update", old, "--name", "Older");
    Run stale = runAs(key, "tax-classes", "update", old, "--name", "New", "--etag", "\"1\"");
    Run notAdmin = runAs(reader.group(1), "fields", "create", "nickname", "--name", "Nickname", "--type", "text");

    assertThat(badDiscount.code()).isEqualTo(4);
    assertThat(badDiscount.err()).contains("customer_type.discount_percent:");
    assertThat(badId.code()).isEqualTo(4);
    assertThat(badId.err()).contains("custom_field_id:");
    assertThat(badType.code()).isEqualTo(2);
    assertThat(badType.err()).contains("--type colour");
    assertThat(nothingToChange.code()).isEqualTo(2);
    assertThat(bothPolicies.code()).isEqualTo(2);
    assertThat(missing.code()).isEqualTo(3);
    assertThat(taken.code()).isEqualTo(5);
    assertThat(stale.code()).as(stale.err()).isEqualTo(5);
    assertThat(notAdmin.code()).isEqualTo(6);
    assertThat(notAdmin.err()).contains("customers.admin");
  }
}
