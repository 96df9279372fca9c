package retail.customers.server.customer;

import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.select;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectJoinStep;
import retail.customers.db.tables.records.CustomerRecord;

/** Customers in PostgreSQL; every query is scoped to one tenant. */
public final class CustomerRepository {
  /** The tenant's default tax class, next to each customer row. */
  private static final Field<UUID> DEFAULT_TAX_CLASS =
      select(TAX_CLASS.ID)
          .from(TAX_CLASS)
          .where(TAX_CLASS.TENANT_ID.eq(CUSTOMER.TENANT_ID), TAX_CLASS.IS_DEFAULT.isTrue())
          .asField("default_tax_class_id");

  /**
   * The customer's own columns, without the generated search columns that no
   * reader needs (the search text alone is longer than most rows).
   */
  public static final List<Field<?>> STORED_FIELDS =
      java.util.Arrays.stream(CUSTOMER.fields())
          .filter(f -> !f.equals(CUSTOMER.SEARCH_TEXT) && !f.equals(CUSTOMER.SORT_LAST_NAME) && !f.equals(CUSTOMER.SORT_FIRST_NAME)
              && !f.equals(CUSTOMER.SORT_COMPANY) && !f.equals(CUSTOMER.TAG_KEYS))
          .toList();

  /**
   * Customers with what their effective pricing is derived from, and any
   * {@code extra} columns (a sort key); callers add their conditions. Search and export build on it too, so every read agrees
   * on effective discount and tax class.
   */
  public static SelectJoinStep<Record> selectRows(DSLContext dsl, Field<?>... extra) {
    return dsl.select(STORED_FIELDS)
        .select(CUSTOMER_TYPE.DISCOUNT_PERCENT, CUSTOMER_TYPE.TAX_CLASS_ID, DEFAULT_TAX_CLASS)
        .select(extra)
        .from(CUSTOMER)
        .leftJoin(CUSTOMER_TYPE)
        .on(CUSTOMER_TYPE.TENANT_ID.eq(CUSTOMER.TENANT_ID), CUSTOMER_TYPE.ID.eq(CUSTOMER.CUSTOMER_TYPE_ID));
  }

  /** Reads a row of {@link #selectRows}. */
  public static CustomerRow toRow(Record r) {
    return new CustomerRow(
        r.into(CUSTOMER), r.get(CUSTOMER_TYPE.DISCOUNT_PERCENT), r.get(CUSTOMER_TYPE.TAX_CLASS_ID), r.get(DEFAULT_TAX_CLASS));
  }

  Optional<CustomerRow> find(DSLContext dsl, UUID tenantId, UUID id) {
    return selectRows(dsl).where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.ID.eq(id)).fetchOptional(CustomerRepository::toRow);
  }

  List<CustomerRow> findAll(DSLContext dsl, UUID tenantId, Collection<UUID> ids) {
    return selectRows(dsl).where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.ID.in(ids)).fetch(CustomerRepository::toRow);
  }

  Optional<CustomerRecord> findForUpdate(DSLContext tx, UUID tenantId, UUID id) {
    return tx.selectFrom(CUSTOMER).where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.ID.eq(id)).forUpdate().fetchOptional();
  }

  /** The live customer with this external reference, if any. */
  Optional<UUID> findByExternalReference(DSLContext tx, UUID tenantId, String reference) {
    return tx.select(CUSTOMER.ID)
        .from(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), CUSTOMER.EXTERNAL_REFERENCE.eq(reference))
        .fetchOptional(CUSTOMER.ID);
  }

  /** The oldest customer (not erased nor merged) with this e-mail, ignoring case. */
  Optional<UUID> findByEmail(DSLContext tx, UUID tenantId, String email) {
    return tx.select(CUSTOMER.ID)
        .from(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(tenantId), lower(CUSTOMER.EMAIL).eq(lower(email)), live())
        .orderBy(CUSTOMER.CREATE_TIME, CUSTOMER.ID)
        .limit(1)
        .fetchOptional(CUSTOMER.ID);
  }

  void insert(DSLContext tx, CustomerRecord row) {
    tx.insertInto(CUSTOMER).set(row).execute();
  }

  /** Writes the changed fields of {@code row}, bumping its version. */
  void update(DSLContext tx, CustomerRecord row) {
    tx.update(CUSTOMER)
        .set(row)
        .set(CUSTOMER.VERSION, CUSTOMER.VERSION.plus(1))
        .set(CUSTOMER.UPDATE_TIME, currentOffsetDateTime())
        .where(CUSTOMER.TENANT_ID.eq(row.getTenantId()), CUSTOMER.ID.eq(row.getId()))
        .execute();
  }

  /** Neither erased nor merged away. */
  static Condition live() {
    return CUSTOMER.ERASE_TIME.isNull().and(CUSTOMER.MERGED_INTO.isNull());
  }
}
