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
import org.jooq.Table;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.customer.CustomerRow;
import retail.customers.v1.CustomerEvent;

/**
 * Reads a tenant's change stream from the event table, page by page, in
 * the order of the events' positions, each event with its customer's
 * current row. Only numbered events are read ({@link ChangeSequencer}):
 * they are committed, and no event can be numbered below one already read.
 */
final class ChangeFeed {
  private static final Field<Long> XID = field("customer_event.xid::text::bigint", Long.class).as("xid_number");

  /** An event as read: its position, its transaction, what happened, and the customer now. */
  record Event(long position, long xid, CustomerEvent.Type type, OffsetDateTime time, UUID mergedCustomer, CustomerRow customer) {}

  private final DSLContext dsl;

  ChangeFeed(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Up to {@code limit} events after {@code cursor}, of the given types (all
   * when empty). The page of events is read first, by the position index,
   * and only then joined to its customers: left to choose, the planner
   * started from the customers of a tenant too new for its statistics and
   * read a few thousand events for each of them.
   */
  List<Event> read(UUID tenant, StreamCursor cursor, Set<CustomerEvent.Type> types, int limit) {
    Table<?> page = dsl.select(CUSTOMER_EVENT.TENANT_ID, CUSTOMER_EVENT.CUSTOMER_ID, CUSTOMER_EVENT.POSITION, XID,
            CUSTOMER_EVENT.TYPE, CUSTOMER_EVENT.EVENT_TIME, CUSTOMER_EVENT.MERGED_CUSTOMER_ID)
        .from(CUSTOMER_EVENT)
        .where(after(tenant, cursor, types))
        .orderBy(CUSTOMER_EVENT.POSITION)
        .limit(inline(limit))
        .asTable("page");
    Field<Long> position = page.field(CUSTOMER_EVENT.POSITION);
    List<Event> events = new ArrayList<>();
    CustomerRepository.fetch(
        CustomerRepository.selectRows(dsl, position, page.field(XID), page.field(CUSTOMER_EVENT.TYPE),
                page.field(CUSTOMER_EVENT.EVENT_TIME), page.field(CUSTOMER_EVENT.MERGED_CUSTOMER_ID))
            .join(page)
            .on(page.field(CUSTOMER_EVENT.TENANT_ID).eq(CUSTOMER.TENANT_ID).and(page.field(CUSTOMER_EVENT.CUSTOMER_ID).eq(CUSTOMER.ID)))
            .orderBy(position),
        rs -> {
          int at = CustomerRepository.FIRST_EXTRA_COLUMN;
          events.add(new Event(
              rs.getLong(at), rs.getLong(at + 1), CustomerEvent.Type.valueOf(rs.getString(at + 2)),
              rs.getObject(at + 3, OffsetDateTime.class), rs.getObject(at + 4, UUID.class), CustomerRepository.toRow(rs)));
          return null;
        });
    return events;
  }

  /** The tenant's events after the cursor, not seen by the cursor's snapshot. */
  private static Condition after(UUID tenant, StreamCursor cursor, Set<CustomerEvent.Type> types) {
    Condition after = CUSTOMER_EVENT.TENANT_ID.eq(tenant).and(CUSTOMER_EVENT.POSITION.gt(cursor.position()));
    if (cursor.snapshot() != null) {
      after = after.and(condition("not pg_visible_in_snapshot(customer_event.xid, {0}::pg_snapshot)", val(cursor.snapshot())));
    }
    return after.and(types.isEmpty() ? noCondition() : CUSTOMER_EVENT.TYPE.in(types.stream().map(Enum::name).toList()));
  }

  /**
   * The last position that retention deleted for the tenant, if any: a
   * cursor before it has lost events.
   */
  Optional<Long> retainedAfter(UUID tenant) {
    return dsl.select(CUSTOMER_EVENT_RETENTION.POSITION)
        .from(CUSTOMER_EVENT_RETENTION)
        .where(CUSTOMER_EVENT_RETENTION.TENANT_ID.eq(tenant))
        .fetchOptional(CUSTOMER_EVENT_RETENTION.POSITION);
  }
}
