package retail.customers.server.exchange;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import com.google.rpc.BadRequest.FieldViolation;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.postgresql.PGConnection;
import io.micrometer.core.instrument.Counter;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.customer.CustomerCommands;
import retail.customers.server.customer.CustomerReferences;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.idempotency.IdempotentRequests;
import retail.customers.server.ids.Ids;
import retail.customers.server.validation.Dates;
import retail.customers.v1.ConsentSource;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportError;
import retail.customers.v1.ImportOptions;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.Source;

/**
 * ImportCustomers: a CSV file streamed in, each row checked exactly as
 * CreateCustomer checks a customer, good rows stored in batches while bad
 * rows are reported with their line, column and reason.
 *
 * <p>Reading and checking run on one thread while the previous batch is
 * written on another, so the database and the validation work at the same
 * time; at most two batches wait, so memory stays flat whatever the file's
 * size. A batch goes in with one COPY (through a staging table when a
 * request_id makes retries possible); should it fail as a whole
 * (a type deleted meanwhile), its rows are retried one by one so that only
 * the bad ones are rejected.
 *
 * <p>With a request_id, each row's customer id is derived from the request
 * id and the row's line: importing the same file again with the same id
 * finds those rows already there and creates nothing twice.
 */
public final class CustomerImport {
  /** Rows per COPY and transaction: large enough that commits cost little, small enough to keep memory flat. */
  static final int BATCH_SIZE = 2000;
  static final int MAX_ERRORS = 10_000;

  private final DSLContext dsl;
  private final CustomerCommands commands;
  private final Clock clock;
  private final Counter rowsImported;

  /** @param rowsImported counts the rows stored, over all imports (a metric) */
  public CustomerImport(DSLContext dsl, CustomerCommands commands, Clock clock, Counter rowsImported) {
    this.dsl = dsl;
    this.commands = commands;
    this.clock = clock;
    this.rowsImported = rowsImported;
  }

  /** Starts an import; the returned observer receives the client's messages. */
  public StreamObserver<ImportCustomersRequest> start(Caller caller, StreamObserver<ImportCustomersResponse> response) {
    ServerCallStreamObserver<ImportCustomersResponse> call = (ServerCallStreamObserver<ImportCustomersResponse>) response;
    ImportStream stream = new ImportStream(call);
    Thread.ofVirtual().name("import-" + caller.tenantId()).start(Context.current().wrap(() -> {
      try {
        ImportCustomersResponse result = run(caller, stream);
        call.onNext(result);
        call.onCompleted();
      } catch (RuntimeException | IOException e) {
        if (!call.isCancelled()) {
          call.onError(ErrorMapper.toStatusException(
              e instanceof CharacterCodingException ? ApiException.invalidField("data", "the file is not UTF-8 text") : e));
        }
      }
    }));
    stream.begin();
    return stream;
  }

  private ImportCustomersResponse run(Caller caller, ImportStream stream) throws IOException {
    ImportOptions options = stream.options();
    UUID requestId = options.getRequestId().isEmpty() ? null : requestId(options.getRequestId());
    Reader reader =
        withoutByteOrderMark(new InputStreamReader(stream, StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)));
    // Blank lines are read as records and skipped here rather than by the
    // parser, which would skip them unseen: every later row would then be
    // reported lines too early (a row starts on the line after the previous
    // record's end).
    CSVFormat format = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).get();
    try (CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
      Iterator<CSVRecord> records = parser.iterator();
      CSVRecord first = null;
      // hasNext() reads the next record ahead: ask only while a header is still wanted.
      while ((first == null || isBlankLine(first)) && records.hasNext()) {
        first = records.next();
      }
      if (first == null || isBlankLine(first)) {
        throw ApiException.invalidField("data", "the file is empty: it needs a header row");
      }
      Header header = Header.of(first);
      Run run = new Run(caller, options.getDryRun(), requestId, header);
      long previousEnd = parser.getCurrentLineNumber();
      try {
        while (records.hasNext()) {
          CSVRecord record = records.next();
          long line = previousEnd + 1;
          previousEnd = parser.getCurrentLineNumber();
          if (!isBlankLine(record)) {
            run.row(record, line);
          }
        }
        return run.finish();
      } catch (java.io.UncheckedIOException e) {
        throw malformed(e, previousEnd + 1);
      } finally {
        run.stop();
      }
    } catch (java.io.UncheckedIOException e) {
      // commons-csv wraps the reader's failures (not UTF-8, client gone), here while it reads the header
      throw malformed(e, 1);
    }
  }

  /**
   * The parser's failure: a file that is not CSV (a quote left open, text
   * after a closing quote) is the client's, INVALID_ARGUMENT naming the line
   * where the broken row starts, which the parser cannot get past; it was
   * INTERNAL. Anything else (not UTF-8, the client gone) is the reader's.
   */
  private static IOException malformed(java.io.UncheckedIOException e, long line) {
    if (e.getCause() instanceof org.apache.commons.csv.CSVException) {
      throw ApiException.invalidField("data", "is not CSV from line " + line
          + ": a quoted cell must end with a quote followed by a comma or a line end (a quote inside it is doubled)");
    }
    return e.getCause();
  }

  /**
   * The text after its byte-order mark, if it starts with one. Dropped before
   * the parser sees it: a mark in front of a quoted first header would make
   * that cell unquoted text, quotes included, that names no column.
   */
  private static Reader withoutByteOrderMark(Reader text) throws IOException {
    PushbackReader reader = new PushbackReader(text, 1);
    int first = reader.read();
    if (first != -1 && first != '\uFEFF') {
      reader.unread(first);
    }
    return reader;
  }

  /**
   * A line with nothing on it (the parser reads one empty cell), or only
   * separators (",,,,", which spreadsheets leave after the last row).
   */
  private static boolean isBlankLine(CSVRecord record) {
    for (String cell : record) {
      if (!cell.isBlank()) {
        return false;
      }
    }
    return true;
  }

  /** The request_id option; INVALID_ARGUMENT naming it where the request carries it. */
  private static UUID requestId(String requestId) {
    try {
      return IdempotentRequests.parseRequestId(requestId);
    } catch (ApiException e) {
      throw ApiException.invalidField("options.request_id", e.violations().getFirst().getDescription());
    }
  }

  /** The file's columns: which position holds which column, and what was not understood. */
  private record Header(Map<Integer, CsvColumn> columns, Map<CsvColumn, String> written, List<String> unknown, int size) {
    static Header of(CSVRecord record) {
      Map<Integer, CsvColumn> columns = new HashMap<>();
      Map<CsvColumn, String> written = new HashMap<>();
      List<String> unknown = new ArrayList<>();
      for (int i = 0; i < record.size(); i++) {
        String name = record.get(i);
        CsvColumn column = CsvColumn.ofHeader(name).orElse(null);
        if (column == null || written.containsKey(column)) {
          unknown.add(name);
        } else {
          columns.put(i, column);
          written.put(column, name.strip());
        }
      }
      if (columns.isEmpty()) {
        throw ApiException.invalidField("data", "the header row names none of the customer columns (e.g. \"First name\" or \"Prénom\")");
      }
      return new Header(columns, written, unknown, record.size());
    }
  }

  /** A checked row, ready to insert. */
  private record Valid(long line, CustomerRecord record) {}

  /** The state of one import. */
  private final class Run {
    private final Caller caller;
    private final boolean dryRun;
    private final UUID requestId;
    private final Header header;
    private final CustomerReferences references;
    private final Map<String, UUID> typesByName;
    private final Map<String, UUID> taxClassesByName;
    private final ImportCustomersResponse.Builder result = ImportCustomersResponse.newBuilder();
    private final BlockingQueue<List<Valid>> batches = new ArrayBlockingQueue<>(1);
    private final CompletableFuture<Void> writer;
    private List<Valid> batch = new ArrayList<>(BATCH_SIZE);

    Run(Caller caller, boolean dryRun, UUID requestId, Header header) {
      this.caller = caller;
      this.dryRun = dryRun;
      this.requestId = requestId;
      this.header = header;
      this.references = commands.referencesSnapshot(dsl, caller);
      this.typesByName = byName(dsl.select(CUSTOMER_TYPE.DISPLAY_NAME, CUSTOMER_TYPE.ID).from(CUSTOMER_TYPE)
          .where(CUSTOMER_TYPE.TENANT_ID.eq(caller.tenantId())).fetchMap(CUSTOMER_TYPE.DISPLAY_NAME, CUSTOMER_TYPE.ID));
      this.taxClassesByName = byName(dsl.select(TAX_CLASS.DISPLAY_NAME, TAX_CLASS.ID).from(TAX_CLASS)
          .where(TAX_CLASS.TENANT_ID.eq(caller.tenantId())).fetchMap(TAX_CLASS.DISPLAY_NAME, TAX_CLASS.ID));
      result.setDryRun(dryRun).addAllUnknownColumns(header.unknown());
      Context context = Context.current();
      this.writer = CompletableFuture.runAsync(context.wrap(this::writeBatches), r -> Thread.ofVirtual().start(r));
    }

    void row(CSVRecord record, long line) {
      read();
      List<ImportError> errors = new ArrayList<>();
      if (record.size() > header.size()) {
        errors.add(error(line, "", "the row has " + record.size() + " cells but the header only " + header.size()));
      }
      Customer.Builder customer = Customer.newBuilder();
      OffsetDateTime created = null;
      for (Map.Entry<Integer, CsvColumn> entry : header.columns().entrySet()) {
        if (entry.getKey() >= record.size()) {
          continue;
        }
        String cell = CsvCells.unneutralize(record.get(entry.getKey()).strip());
        if (cell.isEmpty()) {
          continue;
        }
        CsvColumn column = entry.getValue();
        String problem = null;
        switch (column) {
          case TYPE -> problem = reference(typesByName, cell, ResourceNames.CUSTOMER_TYPES, customer::setCustomerType, "customer type");
          case SALES_TAX -> problem = reference(taxClassesByName, cell, ResourceNames.TAX_CLASSES, customer::setTaxClass, "tax class");
          case CREATED -> {
            created = CsvCells.parseTime(cell).orElse(null);
            if (created == null) {
              problem = "is not a time such as 2024-03-05T14:07:09Z";
            } else if (created.toInstant().isAfter(clock.instant().plusSeconds(300))) {
              problem = "must not be in the future";
            }
          }
          case DISCOUNT -> customer.setDiscountPercent(cell.replace(',', '.'));
          case DATE_OF_BIRTH -> {
            try {
              customer.setBirthDate(Dates.toDate(LocalDate.parse(cell)));
            } catch (DateTimeParseException e) {
              problem = "is not a date such as 1984-02-29";
            }
          }
          case EMAIL_CONSENT, MAIL_CONSENT, PHONE_CALL_CONSENT -> problem = consent(customer, column, cell);
          default -> text(customer, column, cell);
        }
        if (problem != null) {
          errors.add(error(line, header.written().get(column), problem));
        }
      }
      Customer valid = null;
      if (errors.isEmpty()) {
        try {
          valid = commands.validateNew(references, caller, customer.build(), Source.SOURCE_IMPORT);
        } catch (ApiException e) {
          for (FieldViolation v : e.violations()) {
            String column = CsvColumn.ofField(v.getField()).map(c -> header.written().getOrDefault(c, c.header(false))).orElse("");
            errors.add(error(line, column, column.isEmpty() ? v.getField() + " " + v.getDescription() : v.getDescription()));
          }
        }
      }
      if (!errors.isEmpty()) {
        reject(errors);
        return;
      }
      UUID id = requestId == null ? Ids.newId() : UUID.nameUUIDFromBytes((requestId + "/" + line).getBytes(StandardCharsets.UTF_8));
      CustomerRecord row =
          CustomerCommands.newRecord(caller, valid, id).setCreateTime(created == null ? OffsetDateTime.now(clock) : created);
      batch.add(new Valid(line, row));
      if (batch.size() == BATCH_SIZE) {
        flush();
      }
    }

    ImportCustomersResponse finish() {
      flush();
      hand(List.of());
      writer.join();
      return result.build();
    }

    /** Ends the writer if the import stops early (client gone, bad file): it must not wait forever. */
    void stop() {
      batches.clear();
      batches.offer(List.of());
    }

    private void flush() {
      if (batch.isEmpty()) {
        return;
      }
      if (dryRun) {
        added(batch.size(), 0);
      } else {
        hand(batch);
      }
      batch = new ArrayList<>(BATCH_SIZE);
    }

    /** Gives a batch to the writer, waiting while it writes the previous one; rethrows the writer's failure. */
    private void hand(List<Valid> rows) {
      try {
        while (!batches.offer(rows, 100, TimeUnit.MILLISECONDS)) {
          if (writer.isDone()) {
            writer.join();
            throw new IllegalStateException("the import's writer stopped");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("import interrupted", e);
      }
    }

    /** The writer thread: inserts batches until the empty one that ends the import. */
    private void writeBatches() {
      try {
        for (List<Valid> next = batches.take(); !next.isEmpty(); next = batches.take()) {
          write(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void write(List<Valid> rows) {
      int fresh = 0;
      int already = 0;
      try {
        fresh = insert(rows);
        already = rows.size() - fresh;
      } catch (RuntimeException batchFailure) {
        if (Context.current().isCancelled()) {
          throw batchFailure;
        }
        // One row spoiled the batch: insert them one by one to reject only the bad ones.
        for (Valid row : rows) {
          try {
            if (insert(List.of(row)) == 0) {
              already++;
            } else {
              fresh++;
            }
          } catch (RuntimeException e) {
            if (Context.current().isCancelled()) {
              throw e;
            }
            reject(List.of(error(row.line(), "", ErrorMapper.toApiException(e).getMessage())));
          }
        }
      }
      added(fresh, already);
    }

    /**
     * Inserts rows; returns how many were new. Rows go in through COPY, the
     * cheapest way in for PostgreSQL and for this side (no statement of
     * thousands of parameters to render and bind).
     *
     * <p>COPY fills a temporary table and one INSERT ... SELECT moves the
     * rows into the customer table: COPY cannot write a table under
     * row-level security (V13). With a request_id, the ids repeat on a
     * retry, and ON CONFLICT DO NOTHING (which COPY lacks) skips those an
     * earlier attempt stored.
     */
    private int insert(List<Valid> rows) {
      CopyText text = new CopyText(rows.size() * 256);
      for (Valid row : rows) {
        text.row(values(row.record()));
      }
      String copy = text.toString();
      return dsl.transactionResult(
          c -> {
            DSLContext tx = c.dsl();
            // A temporary table per pooled connection, emptied at every commit.
            tx.execute(CREATE_STAGING);
            copyIn(tx, STAGING.getName(), copy);
            var insert = tx.insertInto(CUSTOMER, INSERTED).select(tx.select(STAGED).from(STAGING));
            return requestId == null ? insert.execute() : insert.onConflict(CUSTOMER.TENANT_ID, CUSTOMER.ID).doNothing().execute();
          });
    }

    private static void copyIn(DSLContext tx, String target, String rows) {
      tx.connection(connection -> connection.unwrap(PGConnection.class).getCopyAPI()
          .copyIn("copy " + target + " from stdin", new StringReader(rows)));
    }

    // The result is written by this thread and the writer's: each change under the lock.
    private synchronized void read() {
      result.setRowsRead(result.getRowsRead() + 1);
    }

    private synchronized void added(int imported, int already) {
      rowsImported.increment(imported);
      result.setRowsImported(result.getRowsImported() + imported);
      result.setRowsAlreadyImported(result.getRowsAlreadyImported() + already);
    }

    private synchronized void reject(List<ImportError> errors) {
      result.setRowsRejected(result.getRowsRejected() + 1);
      for (ImportError e : errors) {
        if (result.getErrorsCount() < MAX_ERRORS) {
          result.addErrors(e);
        }
      }
    }
  }

  /**
   * The columns an import writes: the customer's stored columns but those
   * left to their defaults (version, update time) or that a new customer
   * cannot have (archive, erasure, merge).
   */
  private static final List<Field<?>> INSERTED =
      CustomerRepository.STORED_FIELDS.stream()
          .filter(f -> !f.equals(CUSTOMER.VERSION) && !f.equals(CUSTOMER.UPDATE_TIME) && !f.equals(CUSTOMER.DELETE_TIME)
              && !f.equals(CUSTOMER.ERASE_TIME) && !f.equals(CUSTOMER.MERGED_INTO))
          .toList();

  /** The temporary table an import's batches pass through, with the columns it writes. */
  private static final Table<Record> STAGING = table(name("customer_import_staging"));

  private static final List<Field<?>> STAGED =
      INSERTED.stream().<Field<?>>map(f -> field(name(STAGING.getName(), f.getName()), f.getDataType())).toList();

  private static final String CREATE_STAGING =
      "create temporary table if not exists " + STAGING.getName() + " on commit delete rows as "
          + DSL.using(SQLDialect.POSTGRES).renderInlined(DSL.select(INSERTED).from(CUSTOMER)) + " with no data";

  /** Where each inserted column sits in a customer record: looked up once, not per row. */
  private static final int[] INSERTED_INDEXES = INSERTED.stream().mapToInt(CUSTOMER::indexOf).toArray();

  private static Object[] values(CustomerRecord record) {
    Object[] values = new Object[INSERTED_INDEXES.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = record.get(INSERTED_INDEXES[i]);
    }
    return values;
  }

  private static String reference(
      Map<String, UUID> byName, String cell, String collection, java.util.function.Consumer<String> set, String what) {
    UUID id = byName.get(cell.toLowerCase(Locale.ROOT));
    if (id == null) {
      return "unknown " + what + " \"" + cell + "\": create it first, or leave the cell empty";
    }
    set.accept(ResourceNames.format(collection, id));
    return null;
  }

  private static String consent(Customer.Builder customer, CsvColumn column, String cell) {
    Boolean granted = CsvCells.parseConsent(cell).orElse(null);
    if (granted == null) {
      return "must be yes or no (or empty when never asked)";
    }
    MarketingConsent consent =
        MarketingConsent.newBuilder()
            .setState(granted ? ConsentState.CONSENT_STATE_GRANTED : ConsentState.CONSENT_STATE_DENIED)
            .setSource(ConsentSource.CONSENT_SOURCE_IMPORT)
            .build();
    switch (column) {
      case EMAIL_CONSENT -> customer.getMarketingConsentsBuilder().setEmail(consent);
      case MAIL_CONSENT -> customer.getMarketingConsentsBuilder().setPostalMail(consent);
      default -> customer.getMarketingConsentsBuilder().setPhoneCall(consent);
    }
    return null;
  }

  private static void text(Customer.Builder customer, CsvColumn column, String cell) {
    switch (column) {
      case FIRST_NAME -> customer.setFirstName(cell);
      case LAST_NAME -> customer.setLastName(cell);
      case TITLE -> customer.setTitle(cell);
      case COMPANY -> customer.setCompany(cell);
      case COMPANY_REGISTRATION_NUMBER -> customer.setCompanyRegistrationNumber(cell);
      case VAT_NUMBER -> customer.setVatNumber(cell);
      case HOME -> customer.setHomePhone(cell);
      case WORK -> customer.setWorkPhone(cell);
      case MOBILE -> customer.setMobilePhone(cell);
      case PAGER -> customer.setPager(cell);
      case FAX -> customer.setFax(cell);
      case COUNTRY -> customer.getAddressBuilder().setCountryCode(cell);
      case ADDRESS -> customer.getAddressBuilder().setAddressLine1(cell);
      case ADDRESS_2 -> customer.getAddressBuilder().setAddressLine2(cell);
      case CITY -> customer.getAddressBuilder().setCity(cell);
      case REGION -> customer.getAddressBuilder().setRegion(cell);
      case POSTAL_CODE -> customer.getAddressBuilder().setPostalCode(cell);
      case WEBSITE -> customer.setWebsite(cell);
      case EMAIL_1 -> customer.setEmail(cell);
      case EMAIL_2 -> customer.setSecondaryEmail(cell);
      case CUSTOM -> customer.setCustomIdentifier(cell);
      case NOTES -> customer.setNotes(cell);
      default -> throw new IllegalArgumentException("not a text column: " + column);
    }
  }

  private static Map<String, UUID> byName(Map<String, UUID> names) {
    Map<String, UUID> byName = new HashMap<>();
    names.forEach((name, id) -> byName.put(name.toLowerCase(Locale.ROOT), id));
    return byName;
  }

  private static ImportError error(long line, String column, String reason) {
    return ImportError.newBuilder().setLine(line).setColumn(column).setReason(reason).build();
  }
}
