package retail.customers.server.taxclass;

import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.SQLDataType;
import retail.customers.db.tables.records.TaxClassRecord;

/** Tax classes in PostgreSQL; every query is scoped to one tenant. */
final class TaxClassRepository {
  Optional<TaxClassRecord> find(DSLContext dsl, UUID tenantId, UUID id) {
    return dsl.selectFrom(TAX_CLASS).where(TAX_CLASS.TENANT_ID.eq(tenantId), TAX_CLASS.ID.eq(id)).fetchOptional();
  }

  Optional<TaxClassRecord> findForUpdate(DSLContext tx, UUID tenantId, UUID id) {
    return tx.selectFrom(TAX_CLASS).where(TAX_CLASS.TENANT_ID.eq(tenantId), TAX_CLASS.ID.eq(id)).forUpdate().fetchOptional();
  }

  /** A page by display name (ignoring case) then id, after the row with the given name and id. */
  List<TaxClassRecord> page(DSLContext dsl, UUID tenantId, String afterName, UUID afterId, int limit) {
    return dsl.selectFrom(TAX_CLASS)
        .where(TAX_CLASS.TENANT_ID.eq(tenantId))
        .and(afterId == null ? noCondition() : row(lower(TAX_CLASS.DISPLAY_NAME), TAX_CLASS.ID).gt(lower(val(afterName)), val(afterId)))
        .orderBy(lower(TAX_CLASS.DISPLAY_NAME), TAX_CLASS.ID)
        .limit(limit)
        .fetch();
  }

  /**
   * Takes the default flag away from whichever tax class has it. Changes of a
   * tenant's default are serialised by a transaction-scoped advisory lock:
   * otherwise two at once both find no other default to clear, and the
   * second insert breaks the one-default index (an internal error for the
   * client) instead of simply taking the flag from the first.
   */
  void clearDefault(DSLContext tx, UUID tenantId) {
    tx.select(function("pg_advisory_xact_lock", SQLDataType.OTHER,
            function("hashtextextended", SQLDataType.BIGINT, val(tenantId + "/default-tax-class"), val(0L))))
        .fetch();
    tx.update(TAX_CLASS)
        .set(TAX_CLASS.IS_DEFAULT, false)
        .set(TAX_CLASS.VERSION, TAX_CLASS.VERSION.plus(1))
        .set(TAX_CLASS.UPDATE_TIME, currentOffsetDateTime())
        .where(TAX_CLASS.TENANT_ID.eq(tenantId), TAX_CLASS.IS_DEFAULT.isTrue())
        .execute();
  }

  TaxClassRecord insert(DSLContext tx, TaxClassRecord row) {
    return tx.insertInto(TAX_CLASS).set(row).returning().fetchSingle();
  }

  TaxClassRecord update(DSLContext tx, TaxClassRecord row) {
    return tx.update(TAX_CLASS)
        .set(row)
        .set(TAX_CLASS.VERSION, TAX_CLASS.VERSION.plus(1))
        .set(TAX_CLASS.UPDATE_TIME, currentOffsetDateTime())
        .where(TAX_CLASS.TENANT_ID.eq(row.getTenantId()), TAX_CLASS.ID.eq(row.getId()))
        .returning()
        .fetchSingle();
  }

  /** How many customers and customer types still point at the tax class. */
  record Usage(int customers, int customerTypes) {
    boolean inUse() {
      return customers > 0 || customerTypes > 0;
    }
  }

  Usage usage(DSLContext tx, UUID tenantId, UUID id) {
    int customers = tx.fetchCount(CUSTOMER, CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.TAX_CLASS_ID.eq(id));
    int types = tx.fetchCount(CUSTOMER_TYPE, CUSTOMER_TYPE.TENANT_ID.eq(tenantId), CUSTOMER_TYPE.TAX_CLASS_ID.eq(id));
    return new Usage(customers, types);
  }

  void delete(DSLContext tx, UUID tenantId, UUID id) {
    tx.deleteFrom(TAX_CLASS).where(TAX_CLASS.TENANT_ID.eq(tenantId), TAX_CLASS.ID.eq(id)).execute();
  }
}
