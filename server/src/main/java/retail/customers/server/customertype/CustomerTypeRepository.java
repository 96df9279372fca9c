package retail.customers.server.customertype;

import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.CustomerTypeRecord;

/** Customer types in PostgreSQL; every query is scoped to one tenant. */
final class CustomerTypeRepository {
  Optional<CustomerTypeRecord> find(DSLContext dsl, UUID tenantId, UUID id) {
    return dsl.selectFrom(CUSTOMER_TYPE).where(CUSTOMER_TYPE.TENANT_ID.eq(tenantId), CUSTOMER_TYPE.ID.eq(id)).fetchOptional();
  }

  Optional<CustomerTypeRecord> findForUpdate(DSLContext tx, UUID tenantId, UUID id) {
    return tx.selectFrom(CUSTOMER_TYPE)
        .where(CUSTOMER_TYPE.TENANT_ID.eq(tenantId), CUSTOMER_TYPE.ID.eq(id))
        .forUpdate()
        .fetchOptional();
  }

  List<CustomerTypeRecord> page(DSLContext dsl, UUID tenantId, String afterName, UUID afterId, int limit) {
    return dsl.selectFrom(CUSTOMER_TYPE)
        .where(CUSTOMER_TYPE.TENANT_ID.eq(tenantId))
        .and(afterId == null
            ? noCondition()
            : row(lower(CUSTOMER_TYPE.DISPLAY_NAME), CUSTOMER_TYPE.ID).gt(lower(val(afterName)), val(afterId)))
        .orderBy(lower(CUSTOMER_TYPE.DISPLAY_NAME), CUSTOMER_TYPE.ID)
        .limit(limit)
        .fetch();
  }

  /** Customers (erased ones aside) per type, for the given types. */
  Map<UUID, Integer> customerCounts(DSLContext dsl, UUID tenantId, Collection<UUID> typeIds) {
    return dsl.select(CUSTOMER.CUSTOMER_TYPE_ID, count())
        .from(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.CUSTOMER_TYPE_ID.in(typeIds), CUSTOMER.ERASE_TIME.isNull())
        .groupBy(CUSTOMER.CUSTOMER_TYPE_ID)
        .fetchMap(CUSTOMER.CUSTOMER_TYPE_ID, count());
  }

  boolean taxClassExists(DSLContext dsl, UUID tenantId, UUID taxClassId) {
    return dsl.fetchExists(TAX_CLASS, TAX_CLASS.TENANT_ID.eq(tenantId), TAX_CLASS.ID.eq(taxClassId));
  }

  CustomerTypeRecord insert(DSLContext tx, CustomerTypeRecord row) {
    return tx.insertInto(CUSTOMER_TYPE).set(row).returning().fetchSingle();
  }

  CustomerTypeRecord update(DSLContext tx, CustomerTypeRecord row) {
    return tx.update(CUSTOMER_TYPE)
        .set(row)
        .set(CUSTOMER_TYPE.VERSION, CUSTOMER_TYPE.VERSION.plus(1))
        .set(CUSTOMER_TYPE.UPDATE_TIME, currentOffsetDateTime())
        .where(CUSTOMER_TYPE.TENANT_ID.eq(row.getTenantId()), CUSTOMER_TYPE.ID.eq(row.getId()))
        .returning()
        .fetchSingle();
  }

  /** Moves every customer of type {@code from} to type {@code to}; returns how many. */
  int reassign(DSLContext tx, UUID tenantId, UUID from, UUID to) {
    return tx.update(CUSTOMER)
        .set(CUSTOMER.CUSTOMER_TYPE_ID, to)
        .set(CUSTOMER.VERSION, CUSTOMER.VERSION.plus(1))
        .set(CUSTOMER.UPDATE_TIME, currentOffsetDateTime())
        .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.CUSTOMER_TYPE_ID.eq(from))
        .execute();
  }

  /**
   * Removes the type from its customers, copying its discount and tax class
   * into their own fields where they have none, so that what a register
   * charges them does not change; returns how many.
   */
  int detachKeepingPricing(DSLContext tx, CustomerTypeRecord type) {
    return tx.update(CUSTOMER)
        .set(CUSTOMER.CUSTOMER_TYPE_ID, (UUID) null)
        .set(CUSTOMER.DISCOUNT_PERCENT, coalesce(CUSTOMER.DISCOUNT_PERCENT, val(type.getDiscountPercent())))
        .set(CUSTOMER.TAX_CLASS_ID, coalesce(CUSTOMER.TAX_CLASS_ID, val(type.getTaxClassId())))
        .set(CUSTOMER.VERSION, CUSTOMER.VERSION.plus(1))
        .set(CUSTOMER.UPDATE_TIME, currentOffsetDateTime())
        .where(CUSTOMER.TENANT_ID.eq(type.getTenantId()), CUSTOMER.CUSTOMER_TYPE_ID.eq(type.getId()))
        .execute();
  }

  int countCustomers(DSLContext tx, UUID tenantId, UUID typeId) {
    return tx.fetchCount(CUSTOMER, CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.CUSTOMER_TYPE_ID.eq(typeId));
  }

  void delete(DSLContext tx, UUID tenantId, UUID id) {
    tx.deleteFrom(CUSTOMER_TYPE).where(CUSTOMER_TYPE.TENANT_ID.eq(tenantId), CUSTOMER_TYPE.ID.eq(id)).execute();
  }
}
