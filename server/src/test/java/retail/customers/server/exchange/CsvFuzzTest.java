package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.newStore;
import static retail.customers.server.exchange.ExchangeFixtures.records;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.commons.csv.CSVRecord;
import retail.customers.server.exchange.ExchangeFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Errors;
import retail.customers.server.testing.FuzzScale;
import retail.customers.v1.Address;
import retail.customers.v1.Customer;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportOptions;

/**
 * The CSV of export and import under random text and random files:
 *
 * <ul>
 *   <li>any text a customer may hold (unicode, quotes, commas, line breaks,
 *       a leading = + - @ or apostrophe) comes back the same after create,
 *       export, and import into another store: 0 values changed; text the
 *       API refuses (NUL, control characters, too long) is INVALID_ARGUMENT
 *       naming the field;
 *   <li>no cell of an export starts the way a spreadsheet runs as a formula;
 *   <li>any bytes fed to an import (random rows, quotes left open, bytes that
 *       are not UTF-8, cut anywhere into messages) get per-row errors or
 *       INVALID_ARGUMENT, never INTERNAL or UNKNOWN, and never hang.
 * </ul>
 *
 * Each property prints what it tried; {@code -Dfuzz.scale=N} multiplies the tries.
 */
@AddLifecycleHook(FuzzScale.class)
class CsvFuzzTest {
  private static final ApiServer api = new ApiServer();
  private static final String SEED = "20261209";

  /** The customer's text fields that the CSV carries, with their API limits and whether line breaks are allowed. */
  private record Text(String field, int max, boolean multiline) {}

  private static final List<Text> TEXTS = List.of(
      new Text("first_name", 100, false), new Text("title", 40, false), new Text("company", 200, false),
      new Text("company_registration_number", 50, false), new Text("vat_number", 50, false),
      new Text("custom_identifier", 100, false), new Text("address.address_line_1", 200, false),
      new Text("address.address_line_2", 200, false), new Text("address.city", 100, false), new Text("notes", 10_000, true));

  private static final AtomicInteger roundTrips = new AtomicInteger();
  private static final AtomicInteger refusedCreates = new AtomicInteger();
  private static final AtomicInteger valuesCompared = new AtomicInteger();
  private static final AtomicInteger cellsChanged = new AtomicInteger();
  private static final AtomicInteger formulaCells = new AtomicInteger();
  private static final AtomicInteger cellsScanned = new AtomicInteger();
  private static final AtomicInteger imports = new AtomicInteger();
  private static final Map<Status.Code, Integer> importCodes = new EnumMap<>(Status.Code.class);
  private static final AtomicInteger rowsRejected = new AtomicInteger();
  private static final AtomicInteger rowsImported = new AtomicInteger();

  @BeforeContainer
  static void start() throws Exception {
    api.beforeAll(null);
  }

  @AfterContainer
  static void stop() throws Exception {
    System.out.printf("CsvFuzzTest (fuzz.scale %d): round trips %d (creates refused %d), values compared %d, cells changed %d;"
            + " exported cells scanned %d, formula cells %d; imports of random files %d by code %s, rows imported %d,"
            + " rows rejected %d%n",
        FuzzScale.SCALE, roundTrips.get(), refusedCreates.get(), valuesCompared.get(), cellsChanged.get(), cellsScanned.get(),
        formulaCells.get(), imports.get(), importCodes, rowsImported.get(), rowsRejected.get());
    api.afterAll(null);
  }

  // ---- text ----

  @Provide
  Arbitrary<String> cellText() {
    Arbitrary<String> piece = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(12),
        Arbitraries.strings().withCharRange('\u00a0', '\u2fff').ofMaxLength(6),
        Arbitraries.of("\"", "\"\"", ",", "\n", "\r", "\r\n", "\t", "=", "+", "-", "@", "'", "'=", "''+", " ", "=1+1", "@SUM(A1)",
            "-2+3", "=cmd|' /C calc'!A0", "é", "ß", "😀", "𝔘", "\u202e", "\ufeff", "\u00a0", "\u2028", "\u0000", "\u0007", ";", "\\"));
    return piece.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join("", parts));
  }

  /** Whether the API refuses {@code value} in a field like {@code text} (trimmed first, as the API does). */
  private static boolean refused(Text text, String value) {
    String trimmed = value.strip();
    return trimmed.codePointCount(0, trimmed.length()) > text.max()
        || Pattern.compile(text.multiline() ? "[\\p{Cc}&&[^\\n\\r\\t]]" : "\\p{Cc}").matcher(trimmed).find();
  }

  private static void set(Customer.Builder customer, String field, String value) {
    if (field.startsWith("address.")) {
      Address.Builder address = customer.getAddressBuilder();
      address.setField(Address.getDescriptor().findFieldByName(field.substring("address.".length())), value);
    } else {
      customer.setField(Customer.getDescriptor().findFieldByName(field), value);
    }
  }

  private static String get(Customer customer, String field) {
    if (field.startsWith("address.")) {
      FieldDescriptor f = Address.getDescriptor().findFieldByName(field.substring("address.".length()));
      return (String) customer.getAddress().getField(f);
    }
    return (String) customer.getField(Customer.getDescriptor().findFieldByName(field));
  }

  @Property(tries = 100, seed = SEED)
  void anyTextComesBackTheSameAfterExportAndImportIntoAnotherStore(
      @ForAll("cellText") String a, @ForAll("cellText") String b, @ForAll("cellText") String c) {
    List<String> values = List.of(a, b, c);
    // Three fields of the ten, chosen by the values themselves, so that every field meets every kind of text.
    Random pick = new Random(values.hashCode());
    Map<Text, String> given = new java.util.LinkedHashMap<>();
    for (String value : values) {
      given.put(TEXTS.get(pick.nextInt(TEXTS.size())), value);
    }
    Customer.Builder customer = Customer.newBuilder().setLastName("Fuzz");
    given.forEach((text, value) -> set(customer, text.field(), value));
    Store original = newStore(api);

    Customer created;
    try {
      created = original.create(customer);
    } catch (StatusRuntimeException e) {
      refusedCreates.incrementAndGet();
      assertThat(e.getStatus().getCode()).as("refusal of %s", given).isEqualTo(Status.Code.INVALID_ARGUMENT);
      for (String field : Errors.violations(e).keySet()) {
        Text text = TEXTS.stream().filter(t -> ("customer." + t.field()).equals(field)).findFirst()
            .orElseThrow(() -> new AssertionError("refused an unfuzzed field " + field + ": " + Errors.violations(e)));
        assertThat(refused(text, given.get(text))).as("%s refused: %s", field, Errors.violations(e)).isTrue();
      }
      return;
    }
    assertThat(given.entrySet()).as("accepted").noneMatch(entry -> refused(entry.getKey(), entry.getValue()));
    roundTrips.incrementAndGet();

    String exported = original.export();
    for (CSVRecord record : records(exported)) {
      for (String cell : record) {
        cellsScanned.incrementAndGet();
        if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0) {
          formulaCells.incrementAndGet();
        }
      }
    }
    Store copy = newStore(api);
    ImportCustomersResponse imported = copy.importCsv(exported);
    assertThat(imported.getErrorsList()).as("import of %s", exported).isEmpty();
    Customer back = copy.only();
    int changed = 0;
    for (Text text : given.keySet()) {
      valuesCompared.incrementAndGet();
      if (!get(created, text.field()).equals(get(back, text.field()))) {
        changed++;
      }
    }
    cellsChanged.addAndGet(changed);

    assertThat(changed).as("values changed by export and import of %s", exported).isZero();
    assertThat(formulaCells.get()).as("formula cells in %s", exported).isZero();
    assertThat(copy.export()).as("the copy's export").isEqualTo(exported);
  }

  // ---- random files ----

  @Provide
  Arbitrary<byte[]> file() {
    // Mostly real columns (in English or French, any order, repeated), so that rows get read.
    Arbitrary<String> header = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(CsvColumn.values()).list().ofMinSize(1).ofMaxSize(8).map(columns -> String.join(",",
            columns.stream().map(c -> c.header(c.ordinal() % 2 == 0)).toList()))),
        net.jqwik.api.Tuple.of(2, cellText().list().ofMaxSize(4).map(cells -> String.join(",", cells))),
        net.jqwik.api.Tuple.of(1, Arbitraries.just("")));
    Arbitrary<String> cell = Arbitraries.oneOf(
        cellText(),
        Arbitraries.of("2024-03-05T14:07:09Z", "1984-02-29", "yes", "no", "15.00", "+15145550123", "a@example.com", "CA", "H2X 1Y4",
            "9999-99-99", "-1", "1e9", "'", "\"open", "a\"b", "\"\"\"", "'+1"),
        cellText().map(text -> "\"" + text.replace("\"", "\"\"") + "\""));
    Arbitrary<String> row = cell.list().ofMaxSize(10).map(cells -> String.join(",", cells));
    Arbitrary<String> text = net.jqwik.api.Combinators.combine(header, row.list().ofMaxSize(6), Arbitraries.of("\r\n", "\n", "\r"))
        .as((h, rows, end) -> h + end + String.join(end, rows) + (rows.isEmpty() ? "" : end));
    return net.jqwik.api.Combinators.combine(text, Arbitraries.longs(), Arbitraries.frequency(net.jqwik.api.Tuple.of(3, 0), net.jqwik.api.Tuple.of(1, 1), net.jqwik.api.Tuple.of(1, 3)))
        .as((t, seed, damage) -> damage(t.getBytes(StandardCharsets.UTF_8), seed, damage));
  }

  /** Up to {@code count} random bytes set, bytes that are not UTF-8 included, or a byte-order mark in front. */
  private static byte[] damage(byte[] bytes, long seed, int count) {
    Random random = new Random(seed);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (random.nextInt(5) == 0) {
      out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }
    byte[] copy = bytes.clone();
    for (int i = 0; i < count && copy.length > 0; i++) {
      copy[random.nextInt(copy.length)] = (byte) List.of(0xFF, 0x80, 0xC3, 0x00, 0x22, 0x0D, 0x2C, random.nextInt(256)).get(random.nextInt(8)).intValue();
    }
    out.writeBytes(copy);
    return out.toByteArray();
  }

  private static Store importStore;

  @Property(tries = 150, seed = SEED)
  void anyFileGetsPerRowErrorsOrInvalidArgument(
      @ForAll("file") byte[] file, @ForAll boolean dryRun, @ForAll("chunkSizes") int chunk, @ForAll("requestIds") String requestId) {
    synchronized (CsvFuzzTest.class) {
      if (importStore == null) {
        importStore = newStore(api);
      }
    }
    imports.incrementAndGet();
    Status.Code code;
    try {
      ImportCustomersResponse response = importStore.importChunks(
          ImportOptions.newBuilder().setDryRun(dryRun).setRequestId(requestId).build(), ExchangeFixtures.split(file, chunk));
      code = Status.Code.OK;
      rowsImported.addAndGet((int) response.getRowsImported());
      rowsRejected.addAndGet((int) response.getRowsRejected());
      assertThat(response.getRowsRejected()).isEqualTo(response.getErrorsList().stream().map(e -> e.getLine()).distinct().count());
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
      assertThat(code).as("import of %s: %s", new String(file, StandardCharsets.UTF_8), e.getStatus().getDescription())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(Errors.violations(e)).as("a field named").isNotEmpty();
    } catch (AssertionError e) {
      if (String.valueOf(e.getMessage()).contains("did not end")) {
        code = Status.Code.DEADLINE_EXCEEDED;
        synchronized (importCodes) {
          importCodes.merge(code, 1, Integer::sum);
        }
      }
      throw e;
    }
    synchronized (importCodes) {
      importCodes.merge(code, 1, Integer::sum);
    }
  }

  @Provide
  Arbitrary<Integer> chunkSizes() {
    return Arbitraries.integers().between(1, 80);
  }

  @Provide
  Arbitrary<String> requestIds() {
    return Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.create(() -> java.util.UUID.randomUUID().toString()));
  }
}
