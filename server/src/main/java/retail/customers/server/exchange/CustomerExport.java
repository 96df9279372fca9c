package retail.customers.server.exchange;

import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import retail.customers.db.tables.CustomerType;
import retail.customers.db.tables.TaxClass;
import retail.customers.server.audit.AuditLog;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.paging.PageTokens;
import retail.customers.server.search.SearchCriteria;
import retail.customers.server.search.SortOrder;
import retail.customers.v1.CsvLanguage;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;

/**
 * ExportCustomers: the result of a search as CSV, streamed as it is read.
 *
 * <ul>
 *   <li>One snapshot: the rows come from a single read-only REPEATABLE READ
 *       transaction, so writes during the export neither appear half nor
 *       break it.
 *   <li>Constant memory: rows come through a cursor ({@value #FETCH_SIZE} at
 *       a time) and leave in chunks of about {@value #CHUNK_BYTES} bytes;
 *       nothing holds more than one chunk.
 *   <li>Flow control: a chunk is sent only when the call is ready
 *       ({@code isReady}), so a slow client slows the query down instead of
 *       filling the heap.
 *   <li>Cancellation: when the client cancels or the deadline passes, the
 *       running statement is cancelled (see the db package), the cursor
 *       closed and the transaction rolled back: the connection is free at
 *       once.
 *   <li>Resumable: every chunk ends on a row and carries a token with that
 *       row's position in the order; a new call with the token continues
 *       after it, from a new snapshot.
 *   <li>Audited: who exported what, how many rows, and how it ended.
 * </ul>
 */
public final class CustomerExport {
  static final int CHUNK_BYTES = 32 * 1024;
  static final int FETCH_SIZE = 1000;
  private static final Logger log = LoggerFactory.getLogger(CustomerExport.class);
  private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final CSVFormat FORMAT = CSVFormat.RFC4180;
  private static final CustomerType TYPE = CUSTOMER_TYPE.as("export_type");
  private static final TaxClass TAX = TAX_CLASS.as("export_tax_class");
  /** The 30 columns' sources, in CsvColumn order. */
  private static final List<Field<?>> COLUMNS =
      List.of(
          TYPE.DISPLAY_NAME, CUSTOMER.CREATE_TIME, CUSTOMER.DISCOUNT_PERCENT, TAX.DISPLAY_NAME, CUSTOMER.FIRST_NAME,
          CUSTOMER.LAST_NAME, CUSTOMER.TITLE, CUSTOMER.COMPANY, CUSTOMER.COMPANY_REGISTRATION_NUMBER, CUSTOMER.VAT_NUMBER,
          CUSTOMER.BIRTH_DATE, CUSTOMER.HOME_PHONE, CUSTOMER.WORK_PHONE, CUSTOMER.MOBILE_PHONE, CUSTOMER.PAGER, CUSTOMER.FAX,
          CUSTOMER.COUNTRY_CODE, CUSTOMER.ADDRESS_LINE_1, CUSTOMER.ADDRESS_LINE_2, CUSTOMER.CITY, CUSTOMER.REGION,
          CUSTOMER.POSTAL_CODE, CUSTOMER.WEBSITE, CUSTOMER.EMAIL, CUSTOMER.SECONDARY_EMAIL, CUSTOMER.CUSTOM_IDENTIFIER,
          CUSTOMER.EMAIL_CONSENT, CUSTOMER.POSTAL_MAIL_CONSENT, CUSTOMER.PHONE_CALL_CONSENT, CUSTOMER.NOTES);

  private final DSLContext dsl;

  public CustomerExport(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** The parts of a request that decide which rows, in which order, from where. */
  record Plan(SearchCriteria criteria, SortOrder order, List<String> resumeAfter, long rowsBefore, boolean french) {}

  /**
   * Starts an export on a thread of its own: the call's handlers (ready,
   * cancel) run on the call's executor, which must stay free while the export
   * waits for the client.
   */
  public void start(Caller caller, ExportCustomersRequest request, ServerCallStreamObserver<ExportCustomersResponse> call) {
    Plan plan = plan(caller, request);
    FlowControl flow = new FlowControl(call);
    Thread.ofVirtual().name("export-" + caller.tenantId()).start(Context.current().wrap(() -> run(caller, request, plan, call, flow)));
  }

  /** Checks the request; INVALID_ARGUMENT for a bad filter, order or resume token. */
  Plan plan(Caller caller, ExportCustomersRequest request) {
    UnknownFields.reject(request);
    SearchCriteria criteria = SearchCriteria.parse(request.getQuery(), request.getFilter(), request.getShowDeleted());
    SortOrder order = SortOrder.parse(request.getOrderBy().isBlank() ? "last_name" : request.getOrderBy(), false);
    List<String> after = null;
    long rowsBefore = 0;
    if (!request.getResumeToken().isEmpty()) {
      List<String> token = PageTokens.decode(caller, request, request.getResumeToken(), 3);
      after = token.subList(0, 2);
      try {
        rowsBefore = Long.parseLong(token.get(2));
      } catch (NumberFormatException e) {
        throw ApiException.invalidField("resume_token", "not a resume token of this API");
      }
    }
    return new Plan(criteria, order, after, rowsBefore, request.getLanguage() == CsvLanguage.CSV_LANGUAGE_FRENCH);
  }

  /**
   * The SQL of an export's rows (the 30 columns only), with its values
   * inlined: what a benchmark hands to COPY to compare the service with the
   * database's own CSV writer.
   */
  public String sql(Caller caller, ExportCustomersRequest request) {
    return dsl.renderInlined(query(dsl, caller, plan(caller, request), false));
  }

  /** The export's query: the 30 columns, then (if asked) the row's position in the order. */
  ResultQuery<Record> query(DSLContext tx, Caller caller, Plan plan, boolean withPosition) {
    List<Field<?>> fields = new ArrayList<>(COLUMNS);
    if (withPosition) {
      fields.add(plan.order().column());
      fields.add(CUSTOMER.ID);
    }
    return tx.select(fields)
        .from(CUSTOMER)
        .leftJoin(TYPE)
        .on(TYPE.TENANT_ID.eq(CUSTOMER.TENANT_ID), TYPE.ID.eq(CUSTOMER.CUSTOMER_TYPE_ID))
        .leftJoin(TAX)
        .on(TAX.TENANT_ID.eq(CUSTOMER.TENANT_ID), TAX.ID.eq(CUSTOMER.TAX_CLASS_ID))
        .where(CUSTOMER.TENANT_ID.eq(caller.tenantId()))
        .and(plan.criteria().condition())
        .and(plan.resumeAfter() == null ? DSL.noCondition() : plan.order().after(plan.resumeAfter()))
        .orderBy(plan.order().orderBy());
  }

  private void run(
      Caller caller, ExportCustomersRequest request, Plan plan, ServerCallStreamObserver<ExportCustomersResponse> call,
      FlowControl flow) {
    long[] rows = {0};
    String outcome = "COMPLETED";
    try {
      dsl.transaction(
          c -> {
            DSLContext tx = c.dsl();
            tx.execute("set transaction isolation level repeatable read, read only");
            try (Cursor<Record> cursor = query(tx, caller, plan, true).fetchSize(FETCH_SIZE).fetchLazy()) {
              rows[0] = stream(caller, request, plan, cursor, flow, call);
            }
          });
      call.onCompleted();
    } catch (RuntimeException e) {
      if (call.isCancelled() || Context.current().isCancelled()) {
        outcome = "CANCELLED";
      } else {
        outcome = "FAILED";
        call.onError(ErrorMapper.toStatusException(e));
      }
    } finally {
      // A cancelled call's context would cancel this statement too: record
      // the export from a context of its own.
      String ending = outcome;
      Context.current().fork().run(() -> audit(caller, request, plan, rows[0], flow.sent(), ending));
    }
  }

  /** Writes the rows in chunks, each sent when the client can take it; returns the rows sent. */
  private long stream(
      Caller caller, ExportCustomersRequest request, Plan plan, Cursor<Record> cursor, FlowControl flow,
      ServerCallStreamObserver<ExportCustomersResponse> call) {
    ChunkWriter chunk = new ChunkWriter();
    if (plan.resumeAfter() == null) {
      if (request.getByteOrderMark()) {
        chunk.bom();
      }
      List<String> header = new ArrayList<>();
      for (CsvColumn column : CsvColumn.values()) {
        header.add(column.header(plan.french()));
      }
      chunk.row(header);
    }
    long total = plan.rowsBefore();
    long sent = 0;
    int inChunk = 0;
    Record last = null;
    List<String> cells = new ArrayList<>(COLUMNS.size());
    for (Record row : cursor) {
      if (flow.cancelled()) {
        throw ErrorMapper.callEnded(Context.current());
      }
      cells.clear();
      for (int i = 0; i < COLUMNS.size(); i++) {
        cells.add(cell(i, row.get(i)));
      }
      chunk.row(cells);
      last = row;
      inChunk++;
      if (chunk.size() >= CHUNK_BYTES) {
        total += inChunk;
        sent += inChunk;
        flow.send(call, chunk.take(inChunk, token(caller, request, plan, last, total)));
        inChunk = 0;
      }
    }
    if (inChunk > 0 || chunk.size() > 0) {
      total += inChunk;
      sent += inChunk;
      String token = last == null ? request.getResumeToken() : token(caller, request, plan, last, total);
      flow.send(call, chunk.take(inChunk, token));
    }
    return sent;
  }

  private static String cell(int column, Object value) {
    if (value == null) {
      return "";
    }
    return switch (CsvColumn.values()[column]) {
      case CREATED -> CsvCells.time((java.time.OffsetDateTime) value);
      case DISCOUNT -> ((java.math.BigDecimal) value).toPlainString();
      case DATE_OF_BIRTH -> ((LocalDate) value).toString();
      case EMAIL_CONSENT, MAIL_CONSENT, PHONE_CALL_CONSENT -> CsvCells.consent((String) value);
      default -> CsvCells.neutralize(value.toString());
    };
  }

  private static String token(Caller caller, ExportCustomersRequest request, Plan plan, Record last, long total) {
    List<String> position = new ArrayList<>(plan.order().positionOf(last));
    position.add(Long.toString(total));
    return PageTokens.encode(caller, request, position);
  }

  private void audit(Caller caller, ExportCustomersRequest request, Plan plan, long rows, long chunks, String outcome) {
    try {
      String filter = JsonFormat.printer().omittingInsignificantWhitespace().print(request.getFilter());
      AuditLog.record(
          dsl, caller, "CUSTOMERS_EXPORTED", null,
          Map.of(
              "outcome", outcome,
              "query", request.getQuery(),
              "filter", filter,
              "order_by", plan.order().key().name().toLowerCase(java.util.Locale.ROOT) + (plan.order().descending() ? " desc" : ""),
              "show_deleted", Boolean.toString(request.getShowDeleted()),
              "rows", Long.toString(rows),
              "resumed", Boolean.toString(plan.resumeAfter() != null),
              "chunks", Long.toString(chunks)));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      log.warn("could not record an export in the audit trail", e);
    }
  }

  /** Builds one chunk of CSV: whole rows, UTF-8. */
  private static final class ChunkWriter {
    private final StringBuilder text = new StringBuilder(CHUNK_BYTES + 4096);
    private final CSVPrinter printer;
    private boolean bom;

    ChunkWriter() {
      try {
        printer = new CSVPrinter(text, FORMAT);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void bom() {
      bom = true;
    }

    void row(List<String> cells) {
      try {
        printer.printRecord(cells);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int size() {
      return text.length();
    }

    ExportCustomersResponse take(long rows, String token) {
      byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
      ByteString data = bom ? ByteString.copyFrom(BYTE_ORDER_MARK).concat(ByteString.copyFrom(utf8)) : ByteString.copyFrom(utf8);
      bom = false;
      text.setLength(0);
      return ExportCustomersResponse.newBuilder().setData(data).setRowCount(rows).setResumeToken(token).build();
    }
  }

  /**
   * Waits until the call can take a message: gRPC signals readiness through
   * the call's onReady handler, and cancellation through its onCancel
   * handler; both wake the exporting thread.
   */
  private static final class FlowControl {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean cancelled;
    private long sent;

    FlowControl(ServerCallStreamObserver<?> call) {
      call.setOnReadyHandler(this::signal);
      call.setOnCancelHandler(
          () -> {
            cancelled = true;
            signal();
          });
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

    long sent() {
      return sent;
    }

    void send(ServerCallStreamObserver<ExportCustomersResponse> call, ExportCustomersResponse message) {
      lock.lock();
      try {
        while (!call.isReady() && !cancelled) {
          changed.awaitUninterruptibly();
        }
      } finally {
        lock.unlock();
      }
      if (cancelled) {
        throw ErrorMapper.callEnded(Context.current());
      }
      call.onNext(message);
      sent++;
    }
  }
}
