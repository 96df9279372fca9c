package retail.customers.server.changes;

import static org.jooq.impl.DSL.condition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_EVENT;
import static retail.customers.db.Tables.CUSTOMER_EVENT_RETENTION;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.customer.CustomerRow;
import retail.customers.v1.CustomerEvent;

/**
 * Reads a tenant's change stream from the event table, page by page, each
 * event with its customer's current row.
 *
 * <p>Only the events of transactions older than the oldest one still
 * running are read (V8__change_stream.sql says why): a page ends before any
 * event whose transaction could still be overtaken by an older one.
 */
final class ChangeFeed {
  private static final Field<Long> XID = field("customer_event.xid::text::bigint", Long.class);
  /** Whether an event's transaction is older than every one still running. */
  private static final Field<Boolean> SETTLED = field("customer_event.xid < pg_snapshot_xmin(pg_current_snapshot())", Boolean.class);

  /** An event as read: its position, what happened, and the customer now. */
  record Event(long xid, long seq, CustomerEvent.Type type, OffsetDateTime time, UUID mergedCustomer, CustomerRow customer) {}

  /**
   * A page of events; whether committed events wait behind a transaction
   * still running; and whether the page was full (there may be more now).
   */
  record Page(List<Event> events, boolean heldBack, boolean full) {}

  private final DSLContext dsl;

  ChangeFeed(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Up to {@code limit} events after {@code cursor}, of the given types (all
   * when empty). One statement reads the events and whether each is settled,
   * and the page ends at the first that is not: a page that ends there says
   * so ({@link Page#heldBack}), and is read again when more has committed.
   */
  Page read(UUID tenant, StreamCursor cursor, Set<CustomerEvent.Type> types, int limit) {
    List<Event> events = new ArrayList<>();
    boolean[] heldBack = {false};
    CustomerRepository.fetch(
        CustomerRepository.selectRows(
                dsl, XID, CUSTOMER_EVENT.SEQ, CUSTOMER_EVENT.TYPE, CUSTOMER_EVENT.EVENT_TIME, CUSTOMER_EVENT.MERGED_CUSTOMER_ID,
                SETTLED)
            .join(CUSTOMER_EVENT)
            .on(CUSTOMER_EVENT.TENANT_ID.eq(CUSTOMER.TENANT_ID).and(CUSTOMER_EVENT.CUSTOMER_ID.eq(CUSTOMER.ID)))
            .where(after(tenant, cursor, types))
            .orderBy(CUSTOMER_EVENT.XID, CUSTOMER_EVENT.SEQ)
            .limit(inline(limit)),
        rs -> {
          int at = CustomerRepository.FIRST_EXTRA_COLUMN;
          if (heldBack[0] || !rs.getBoolean(at + 5)) {
            heldBack[0] = true; // this one and every later one (a higher xid) waits
            return null;
          }
          events.add(new Event(
              rs.getLong(at), rs.getLong(at + 1), CustomerEvent.Type.valueOf(rs.getString(at + 2)),
              rs.getObject(at + 3, OffsetDateTime.class), rs.getObject(at + 4, UUID.class), CustomerRepository.toRow(rs)));
          return null;
        });
    return new Page(events, heldBack[0], events.size() + (heldBack[0] ? 1 : 0) >= limit);
  }

  /** The tenant's events after the cursor, not seen by the cursor's snapshot. */
  private static Condition after(UUID tenant, StreamCursor cursor, Set<CustomerEvent.Type> types) {
    Condition after =
        CUSTOMER_EVENT.TENANT_ID.eq(tenant)
            .and(condition("(customer_event.xid, customer_event.seq) > ({0}::text::xid8, {1})", val(Long.toString(cursor.xid())),
                val(cursor.seq())));
    if (cursor.snapshot() != null) {
      after = after.and(condition("not pg_visible_in_snapshot(customer_event.xid, {0}::pg_snapshot)", val(cursor.snapshot())));
    }
    return after.and(types.isEmpty() ? noCondition() : CUSTOMER_EVENT.TYPE.in(types.stream().map(Enum::name).toList()));
  }

  /** The database's current snapshot, as text: where a stream "from now" starts. */
  String snapshot() {
    return dsl.resultQuery("select pg_current_snapshot()::text").fetchSingle(0, String.class);
  }

  /**
   * The last position that retention deleted for the tenant, if any: a
   * cursor before it has lost events.
   */
  Optional<StreamCursor> retainedAfter(UUID tenant) {
    return dsl.select(field("xid::text::bigint", Long.class), CUSTOMER_EVENT_RETENTION.SEQ)
        .from(CUSTOMER_EVENT_RETENTION)
        .where(CUSTOMER_EVENT_RETENTION.TENANT_ID.eq(tenant))
        .fetchOptional()
        .map((Record2<Long, Long> r) -> new StreamCursor(r.value1(), r.value2(), null));
  }
}
