package retail.customers.server.customfield;

import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOM_FIELD;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import retail.customers.db.tables.records.CustomFieldRecord;

/** Custom field definitions in PostgreSQL; every query is scoped to one tenant. */
final class CustomFieldRepository {
  Optional<CustomFieldRecord> find(DSLContext dsl, UUID tenantId, String id) {
    return dsl.selectFrom(CUSTOM_FIELD).where(CUSTOM_FIELD.TENANT_ID.eq(tenantId), CUSTOM_FIELD.ID.eq(id)).fetchOptional();
  }

  Optional<CustomFieldRecord> findForUpdate(DSLContext tx, UUID tenantId, String id) {
    return tx.selectFrom(CUSTOM_FIELD)
        .where(CUSTOM_FIELD.TENANT_ID.eq(tenantId), CUSTOM_FIELD.ID.eq(id))
        .forUpdate()
        .fetchOptional();
  }

  List<CustomFieldRecord> page(DSLContext dsl, UUID tenantId, String afterName, String afterId, int limit) {
    return dsl.selectFrom(CUSTOM_FIELD)
        .where(CUSTOM_FIELD.TENANT_ID.eq(tenantId))
        .and(afterId == null
            ? noCondition()
            : row(lower(CUSTOM_FIELD.DISPLAY_NAME), CUSTOM_FIELD.ID).gt(lower(val(afterName)), val(afterId)))
        .orderBy(lower(CUSTOM_FIELD.DISPLAY_NAME), CUSTOM_FIELD.ID)
        .limit(limit)
        .fetch();
  }

  CustomFieldRecord insert(DSLContext tx, CustomFieldRecord row) {
    return tx.insertInto(CUSTOM_FIELD).set(row).returning().fetchSingle();
  }

  CustomFieldRecord update(DSLContext tx, CustomFieldRecord row) {
    return tx.update(CUSTOM_FIELD)
        .set(row)
        .set(CUSTOM_FIELD.VERSION, CUSTOM_FIELD.VERSION.plus(1))
        .set(CUSTOM_FIELD.UPDATE_TIME, currentOffsetDateTime())
        .where(CUSTOM_FIELD.TENANT_ID.eq(row.getTenantId()), CUSTOM_FIELD.ID.eq(row.getId()))
        .returning()
        .fetchSingle();
  }

  /** Customers that have a value for the field. */
  int countValues(DSLContext tx, UUID tenantId, String id) {
    return tx.fetchCount(CUSTOMER, CUSTOMER.TENANT_ID.eq(tenantId), hasValue(id));
  }

  /** Customers whose value of the (choice) field is one of {@code options}. */
  int countChoices(DSLContext tx, UUID tenantId, String id, Collection<String> options) {
    // Values are stored in the JSON form of CustomFieldValue, {"choiceValue": "Red"}
    // (see CustomFieldValues): the option is inside it, not the value itself.
    return tx.fetchCount(
        CUSTOMER,
        CUSTOMER.TENANT_ID.eq(tenantId),
        field("{0} -> {1} ->> {2}", String.class, CUSTOMER.CUSTOM_FIELDS, val(id), val("choiceValue")).in(options));
  }

  /** Removes the field's values from every customer; returns how many lost one. */
  int removeValues(DSLContext tx, UUID tenantId, String id) {
    return tx.update(CUSTOMER)
        .set(CUSTOMER.CUSTOM_FIELDS, field("{0} - {1}", JSONB.class, CUSTOMER.CUSTOM_FIELDS, val(id)))
        .set(CUSTOMER.VERSION, CUSTOMER.VERSION.plus(1))
        .set(CUSTOMER.UPDATE_TIME, currentOffsetDateTime())
        .where(CUSTOMER.TENANT_ID.eq(tenantId), hasValue(id))
        .execute();
  }

  void delete(DSLContext tx, UUID tenantId, String id) {
    tx.deleteFrom(CUSTOM_FIELD).where(CUSTOM_FIELD.TENANT_ID.eq(tenantId), CUSTOM_FIELD.ID.eq(id)).execute();
  }

  private static Condition hasValue(String id) {
    // jsonb_exists is the function behind the "?" operator, which jOOQ would read as a bind marker.
    return function("jsonb_exists", Boolean.class, CUSTOMER.CUSTOM_FIELDS, val(id)).isTrue();
  }
}
