package retail.customers.server.exchange;

import static org.jooq.impl.DSL.case_;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.inline;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jooq.Condition;
import io.micrometer.core.instrument.Counter;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import retail.customers.db.tables.CustomerType;
import retail.customers.db.tables.TaxClass;
import retail.customers.server.audit.AuditLog;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.changes.ChangeSequencer;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.ops.Failures;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.paging.PageTokens;
import retail.customers.server.search.SearchCriteria;
import retail.customers.server.search.SortOrder;
import retail.customers.v1.CsvLanguage;
import retail.customers.v1.ErrorReason;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;

/**
 * ExportCustomers: the result of a search as CSV, streamed as it is read.
 *
 * <ul>
 *   <li>One snapshot: the rows come from a single read-only REPEATABLE READ
 *       transaction, so writes during the export neither appear half nor
 *       break it.
 *   <li>Constant memory: rows stream out of PostgreSQL's COPY and leave in
 *       chunks of about {@value #CHUNK_BYTES} bytes; a few chunks at most
 *       wait in between.
 *   <li>Flow control: a chunk is sent only when the call is ready
 *       ({@code isReady}); until then the reader waits, and COPY with it as
 *       soon as the socket's buffer is full, so a slow client slows the query
 *       down instead of filling the heap.
 *   <li>Cancellation: when the client cancels or the deadline passes, the
 *       COPY is cancelled in PostgreSQL and the transaction rolled back: the
 *       connection is free at once.
 *   <li>Resumable: every chunk ends on a row and carries a token with that
 *       row's position in the order; a new call with the token continues
 *       after it, from a new snapshot.
 *   <li>Audited: who exported what, how many rows, and how it ended.
 * </ul>
 */
public final class CustomerExport {
  /** The exports running on this server, for {@link #closeAll()}. */
  private final java.util.Set<FlowControl> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  static final int CHUNK_BYTES = 32 * 1024;
  private static final Logger log = LoggerFactory.getLogger(CustomerExport.class);
  private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final CustomerType TYPE = CUSTOMER_TYPE.as("export_type");
  private static final TaxClass TAX = TAX_CLASS.as("export_tax_class");
  /**
   * The 30 columns in CsvColumn order, each already text in its export format:
   * PostgreSQL formats times, decimals, dates and consents and neutralises
   * formulas (csv_neutralize, V3) while it reads.
   */
  private static final List<Field<String>> COLUMNS =
      List.of(
          cell(TYPE.DISPLAY_NAME),
          field("to_char({0} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", String.class, CUSTOMER.CREATE_TIME),
          CUSTOMER.DISCOUNT_PERCENT.cast(SQLDataType.VARCHAR),
          cell(TAX.DISPLAY_NAME),
          cell(CUSTOMER.FIRST_NAME), cell(CUSTOMER.LAST_NAME), cell(CUSTOMER.TITLE), cell(CUSTOMER.COMPANY),
          cell(CUSTOMER.COMPANY_REGISTRATION_NUMBER), cell(CUSTOMER.VAT_NUMBER),
          CUSTOMER.BIRTH_DATE.cast(SQLDataType.VARCHAR),
          cell(CUSTOMER.HOME_PHONE), cell(CUSTOMER.WORK_PHONE), cell(CUSTOMER.MOBILE_PHONE), cell(CUSTOMER.PAGER),
          cell(CUSTOMER.FAX), cell(CUSTOMER.COUNTRY_CODE), cell(CUSTOMER.ADDRESS_LINE_1), cell(CUSTOMER.ADDRESS_LINE_2),
          cell(CUSTOMER.CITY), cell(CUSTOMER.REGION), cell(CUSTOMER.POSTAL_CODE), cell(CUSTOMER.WEBSITE), cell(CUSTOMER.EMAIL),
          cell(CUSTOMER.SECONDARY_EMAIL), cell(CUSTOMER.CUSTOM_IDENTIFIER),
          consent(CUSTOMER.EMAIL_CONSENT), consent(CUSTOMER.POSTAL_MAIL_CONSENT), consent(CUSTOMER.PHONE_CALL_CONSENT),
          cell(CUSTOMER.NOTES));

  /** The header row in each language, CRLF included. */
  private static final byte[] ENGLISH_HEADER = headerRow(false);
  private static final byte[] FRENCH_HEADER = headerRow(true);

  private static byte[] headerRow(boolean french) {
    List<String> headers = Arrays.stream(CsvColumn.values()).map(c -> c.header(french)).toList();
    for (String header : headers) {
      // Written as they are: none may need quoting or neutralising.
      if (header.isEmpty() || !header.equals(header.strip()) || header.chars().anyMatch(ch -> ",\"\r\n".indexOf(ch) >= 0)
          || "=+-@".indexOf(header.charAt(0)) >= 0) {
        throw new IllegalStateException("the header \"" + header + "\" would need quoting or neutralising");
      }
    }
    return (String.join(",", headers) + "\r\n").getBytes(StandardCharsets.UTF_8);
  }

  private final DSLContext dsl;
  private final DSLContext audits;
  private final Counter rowsExported;

  /** An export that reads and writes its audit record on one database. */
  public CustomerExport(DSLContext dsl, Counter rowsExported) {
    this(dsl, dsl, rowsExported);
  }

  /**
   * @param dsl where the rows are read (a read replica, say)
   * @param audits where the audit trail is written (the primary)
   * @param rowsExported counts the rows sent, over all exports (a metric)
   */
  public CustomerExport(DSLContext dsl, DSLContext audits, Counter rowsExported) {
    this.dsl = dsl;
    this.audits = audits;
    this.rowsExported = rowsExported;
  }

  /**
   * The parts of a request that decide which rows, in which order, from where.
   *
   * @param resumeAfter the rows after a resume token's position, or null for a whole export
   */
  record Plan(SearchCriteria criteria, SortOrder order, Condition resumeAfter, long rowsBefore, boolean french) {}

  /**
   * Starts an export on a thread of its own: the call's handlers (ready,
   * cancel) run on the call's executor, which must stay free while the export
   * waits for the client.
   */
  public void start(Caller caller, ExportCustomersRequest request, ServerCallStreamObserver<ExportCustomersResponse> call) {
    Plan plan = plan(caller, request);
    if (closing) {
      throw ApiException.unavailableResumable("the server is shutting down: export again, on another server", Map.of());
    }
    FlowControl flow = new FlowControl(call);
    Thread.ofVirtual().name("export-" + caller.tenantId()).start(Context.current().wrap(() -> run(caller, request, plan, call, flow)));
  }

  /**
   * Ends every running export with UNAVAILABLE and the resume token of the
   * last chunk it sent (metadata {@code resume_token}, reason
   * SERVER_SHUTTING_DOWN): at the end of a shutdown's grace, an export still
   * running goes on from there on another server, instead of ending
   * CANCELLED, which tells its client neither to retry nor where from. New
   * exports are refused the same way from now on.
   */
  public void closeAll() {
    closing = true;
    running.forEach(FlowControl::close);
  }

  /** Checks the request; INVALID_ARGUMENT for a bad filter, order or resume token. */
  Plan plan(Caller caller, ExportCustomersRequest request) {
    UnknownFields.reject(request);
    SearchCriteria criteria = SearchCriteria.parse(request.getQuery(), request.getFilter(), request.getShowDeleted());
    SortOrder order = SortOrder.parse(request.getOrderBy(), false);
    Condition after = null;
    long rowsBefore = 0;
    if (!request.getResumeToken().isEmpty()) {
      try {
        List<String> token = PageTokens.decode(caller, request, request.getResumeToken(), 3);
        // Read the position now: a bad one must fail the call before it
        // streams, not once the reader builds its query.
        after = order.after(token.subList(0, 2));
        rowsBefore = Long.parseLong(token.get(2));
      } catch (NumberFormatException e) {
        throw ApiException.invalidPageToken("resume_token", "not a resume token of this API");
      } catch (ApiException e) {
        // PageTokens and SortOrder speak of a page_token, a field that this
        // request does not have: name the one the client sent.
        if (e.reason() != ErrorReason.INVALID_PAGE_TOKEN) {
          throw e;
        }
        throw ApiException.invalidPageToken("resume_token", e.violations().getFirst().getDescription());
      }
    }
    return new Plan(criteria, order, after, rowsBefore, request.getLanguage() == CsvLanguage.CSV_LANGUAGE_FRENCH);
  }

  /**
   * The SQL of an export's rows, with its values inlined: the SELECT that the
   * export hands to COPY, for a benchmark to run the same COPY without the
   * service.
   */
  public String sql(Caller caller, ExportCustomersRequest request) {
    return dsl.renderInlined(query(dsl, caller, plan(caller, request)));
  }

  /** The export's query: the row's position in the order (sort key, id), then the 30 columns. */
  ResultQuery<Record> query(DSLContext tx, Caller caller, Plan plan) {
    List<Field<?>> fields = new ArrayList<>();
    fields.add(plan.order().keyText());
    fields.add(CUSTOMER.ID.cast(SQLDataType.VARCHAR));
    fields.addAll(COLUMNS);
    return tx.select(fields)
        .from(CUSTOMER)
        .leftJoin(TYPE)
        .on(TYPE.TENANT_ID.eq(CUSTOMER.TENANT_ID), TYPE.ID.eq(CUSTOMER.CUSTOMER_TYPE_ID))
        .leftJoin(TAX)
        .on(TAX.TENANT_ID.eq(CUSTOMER.TENANT_ID), TAX.ID.eq(CUSTOMER.TAX_CLASS_ID))
        .where(CUSTOMER.TENANT_ID.eq(caller.tenantId()))
        .and(plan.criteria().condition())
        .and(plan.resumeAfter() == null ? DSL.noCondition() : plan.resumeAfter())
        .orderBy(plan.order().orderBy());
  }

  private void run(
      Caller caller, ExportCustomersRequest request, Plan plan, ServerCallStreamObserver<ExportCustomersResponse> call,
      FlowControl flow) {
    Reader reader = new Reader(caller, request, plan, flow);
    RuntimeException failure = null;
    running.add(flow);
    if (closing) {
      flow.close();
    }
    try {
      Thread.ofVirtual().name("export-reader-" + caller.tenantId()).start(Context.current().wrap(reader));
      send(reader, flow, call);
    } catch (RuntimeException e) {
      reader.stop();
      failure = e;
    } finally {
      running.remove(flow);
    }
    boolean cancelled = failure != null && (call.isCancelled() || Context.current().isCancelled());
    String outcome = failure == null ? "COMPLETED" : cancelled ? "CANCELLED" : "FAILED";
    // Recorded before the client hears how the export ended, so that a file
    // the client holds is never without its record; with the rows that left,
    // however it ended (a cancelled export may have sent thousands). A
    // cancelled call's context would cancel this statement too: record the
    // export from a context of its own.
    Context.current().fork().run(() -> audit(caller, request, plan, flow.rows(), flow.sent(), outcome));
    if (failure == null) {
      call.onCompleted();
    } else if (!cancelled) {
      call.onError(ErrorMapper.toStatusException(failure));
    }
  }

  /**
   * Reads the rows on a thread of its own and turns them into chunks; the
   * calling thread sends them as the client takes them. At most
   * {@value #QUEUED} chunks wait.
   *
   * <p>PostgreSQL writes the CSV itself: the export's SELECT, inside the
   * read-only REPEATABLE READ transaction, runs as {@code COPY (...) TO STDOUT
   * WITH (FORMAT csv)}. COPY streams without waiting for the client to ask
   * for each batch, so the database keeps producing while earlier rows
   * travel, and the Java side only cuts the rows into chunks: this is what
   * lets an export keep up with the database. (COPY is not part of jOOQ's
   * DSL: the SELECT is built with jOOQ and rendered with its values inlined
   * and escaped.)
   *
   * <p>Each row starts with its position in the order (sort key, id), which
   * is cut off and kept for the resume token of the chunk it ends.
   */
  private final class Reader implements Runnable {
    /** The change stream's position of the snapshot read (set before the first chunk). */
    private String watchCursor = "";
    private static final int QUEUED = 4;
    private static final Object END = new Object();

    private final Caller caller;
    private final ExportCustomersRequest request;
    private final Plan plan;
    private final FlowControl flow;
    private final BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(QUEUED);
    private volatile boolean stopped;

    Reader(Caller caller, ExportCustomersRequest request, Plan plan, FlowControl flow) {
      this.caller = caller;
      this.request = request;
      this.plan = plan;
      this.flow = flow;
    }

    @Override
    public void run() {
      try {
        dsl.transaction(
            c -> {
              DSLContext tx = c.dsl();
              tx.execute("set transaction isolation level repeatable read, read only");
              // The transaction's snapshot, taken by its first query: where
              // the change stream picks up what this copy does not hold.
              watchCursor = ChangeSequencer.now(tx).encode();
              // The COPY lasts as long as the client takes to read the file:
              // the statement timeout that bounds every other query would cut
              // off a client that is merely slow. The call's cancellation and
              // deadline stop it instead (see copy).
              tx.execute("set local statement_timeout = 0");
              String copy = "copy (" + tx.renderInlined(query(tx, caller, plan)) + ") to stdout with (format csv)";
              tx.connection(connection -> copy(connection, copy));
            });
        hand(END);
      } catch (RuntimeException e) {
        hand(e);
      }
    }

    private void copy(Connection jdbc, String sql) throws SQLException {
      PGConnection connection = jdbc.unwrap(PGConnection.class);
      CopyOut copy = connection.getCopyAPI().copyOut(sql);
      CopyCancellation cancellation = new CopyCancellation(jdbc, connection, copy);
      // The call's end (cancel, deadline) stops the COPY in PostgreSQL at
      // once. The request opens a connection: not on the transport's thread.
      Context.CancellationListener cancel = ended -> cancellation.request();
      Context.current().addListener(cancel, command -> Thread.ofVirtual().start(command));
      try {
        write(copy);
      } catch (SQLException e) {
        cancellation.failed(e);
        throw e;
      } finally {
        Context.current().removeListener(cancel);
        cancellation.settle();
      }
    }

    private void write(CopyOut copy) throws SQLException {
      CsvBytes csv = new CsvBytes(CHUNK_BYTES + 8192);
      if (plan.resumeAfter() == null) {
        if (request.getByteOrderMark()) {
          csv.raw(BYTE_ORDER_MARK, 0, BYTE_ORDER_MARK.length);
        }
        byte[] header = plan.french() ? FRENCH_HEADER : ENGLISH_HEADER;
        csv.raw(header, 0, header.length);
      }
      long total = plan.rowsBefore();
      int inChunk = 0;
      String token = request.getResumeToken();
      byte[] last = null;
      for (byte[] row = copy.readFromCopy(); row != null; row = copy.readFromCopy()) {
        if (stopped || flow.cancelled()) {
          throw ErrorMapper.callEnded(Context.current());
        }
        int data = CsvBytes.cellEnd(row, CsvBytes.cellEnd(row, 0) + 1) + 1;
        csv.raw(row, data, row.length - 1 - data); // without the LF that ends COPY's row
        csv.endRecord();
        last = row;
        inChunk++;
        if (csv.size() >= CHUNK_BYTES) {
          total += inChunk;
          token = token(last, total);
          hand(chunk(csv, inChunk, token));
          inChunk = 0;
        }
      }
      if (inChunk > 0) {
        total += inChunk;
        token = token(last, total);
      }
      if (inChunk > 0 || csv.size() > 0) {
        hand(chunk(csv, inChunk, token));
      }
    }

    /** The resume token after a row: its first two cells (sort key, id) and the rows so far. */
    private String token(byte[] row, long total) {
      int keyEnd = CsvBytes.cellEnd(row, 0);
      int idEnd = CsvBytes.cellEnd(row, keyEnd + 1);
      return PageTokens.encode(caller, request,
          List.of(CsvBytes.cellText(row, 0, keyEnd), CsvBytes.cellText(row, keyEnd + 1, idEnd), Long.toString(total)));
    }

    private ExportCustomersResponse chunk(CsvBytes csv, long rows, String token) {
      return ExportCustomersResponse.newBuilder()
          .setData(csv.take())
          .setRowCount(rows)
          .setResumeToken(token)
          .setWatchCursor(watchCursor)
          .build();
    }

    /** The next chunk, or null at the end; rethrows the reader's failure. */
    ExportCustomersResponse next() {
      Object next;
      try {
        next = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("export interrupted", e);
      }
      if (next instanceof RuntimeException failure) {
        throw failure;
      }
      return next == END ? null : (ExportCustomersResponse) next;
    }

    void stop() {
      stopped = true;
      chunks.clear(); // unblocks a reader waiting for room
    }

    private void hand(Object item) {
      try {
        while (!stopped && !chunks.offer(item, 100, TimeUnit.MILLISECONDS)) {
          if (flow.cancelled()) {
            stopped = true;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
      }
    }
  }

  /** Sends the reader's chunks as the client takes them. */
  private static void send(Reader reader, FlowControl flow, ServerCallStreamObserver<ExportCustomersResponse> call) {
    for (ExportCustomersResponse chunk = reader.next(); chunk != null; chunk = reader.next()) {
      flow.send(call, chunk);
    }
  }

  private static Field<String> cell(Field<String> text) {
    return function("csv_neutralize", SQLDataType.VARCHAR, text);
  }

  private static Field<String> consent(Field<String> state) {
    return case_().when(state.eq("GRANTED"), inline(CsvCells.YES)).when(state.eq("DENIED"), inline(CsvCells.NO));
  }

  private void audit(Caller caller, ExportCustomersRequest request, Plan plan, long rows, long chunks, String outcome) {
    rowsExported.increment(rows);
    try {
      String filter = JsonFormat.printer().omittingInsignificantWhitespace().print(request.getFilter());
      AuditLog.record(
          audits, caller, "CUSTOMERS_EXPORTED", null,
          Map.of(
              "outcome", outcome,
              "query", request.getQuery(),
              "filter", filter,
              "order_by", plan.order().apiForm(),
              "show_deleted", Boolean.toString(request.getShowDeleted()),
              "rows", Long.toString(rows),
              "resumed", Boolean.toString(plan.resumeAfter() != null),
              "chunks", Long.toString(chunks)));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      log.warn("could not record an export in the audit trail: {}", Failures.describe(e));
    }
  }

  /**
   * Waits until the call can take a message: gRPC signals readiness through
   * the call's onReady handler, and cancellation through its onCancel
   * handler; both wake the exporting thread.
   */
  private static final class FlowControl {
    private final ReentrantLock lock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition changed = lock.newCondition();
    private volatile boolean cancelled;
    private volatile boolean closing;
    private long sent;
    private long rows;
    /** The resume token of the last chunk sent: where a closed export goes on. */
    private String lastToken = "";

    FlowControl(ServerCallStreamObserver<?> call) {
      call.setOnReadyHandler(this::signal);
      call.setOnCancelHandler(
          () -> {
            cancelled = true;
            signal();
          });
    }

    /** Ends the export at its next chunk (or while it waits for the client). */
    void close() {
      closing = true;
      signal();
    }

    private void signal() {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    boolean cancelled() {
      return cancelled;
    }

    /** Chunks sent. */
    long sent() {
      return sent;
    }

    /** Customer rows sent. */
    long rows() {
      return rows;
    }

    void send(ServerCallStreamObserver<ExportCustomersResponse> call, ExportCustomersResponse message) {
      lock.lock();
      try {
        while (!call.isReady() && !cancelled && !closing) {
          changed.awaitUninterruptibly();
        }
      } finally {
        lock.unlock();
      }
      if (cancelled) {
        throw ErrorMapper.callEnded(Context.current());
      }
      if (closing) {
        throw ApiException.unavailableResumable(
            "the server is shutting down: export again, on another server, from resume_token",
            lastToken.isEmpty() ? Map.of() : Map.of("resume_token", lastToken));
      }
      call.onNext(message);
      sent++;
      rows += message.getRowCount();
      if (!message.getResumeToken().isEmpty()) {
        lastToken = message.getResumeToken();
      }
    }
  }
}
