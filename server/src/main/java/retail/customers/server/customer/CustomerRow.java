package retail.customers.server.customer;

import static retail.customers.db.Tables.CUSTOMER;

import java.math.BigDecimal;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.Field;
import retail.customers.db.tables.records.CustomerRecord;

/**
 * A customer as read for the API: the values of its stored columns
 * ({@link CustomerRepository#STORED_FIELDS}, in that order), and what its
 * effective pricing is derived from (its type's discount and tax class, the
 * store default).
 *
 * <p>A plain array rather than a jOOQ record: a search page reads 50 rows of
 * 50 columns, and filling a record looks every column up by name, which
 * cost more than the rest of reading the page.
 */
public record CustomerRow(Object[] columns, BigDecimal typeDiscount, UUID typeTaxClassId, UUID defaultTaxClassId) {
  private static final Map<Field<?>, Integer> INDEX = new IdentityHashMap<>();

  static {
    for (int i = 0; i < CustomerRepository.STORED_FIELDS.size(); i++) {
      INDEX.put(CustomerRepository.STORED_FIELDS.get(i), i);
    }
  }

  /** The stored columns of a record of the whole table, without pricing context. */
  static CustomerRow of(CustomerRecord record) {
    Object[] columns = new Object[CustomerRepository.STORED_FIELDS.size()];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = record.get(CustomerRepository.STORED_FIELDS.get(i));
    }
    return new CustomerRow(columns, null, null, null);
  }

  /** The value of a stored column of {@code customer}, e.g. {@code get(CUSTOMER.FIRST_NAME)}. */
  @SuppressWarnings("unchecked")
  public <T> T get(Field<T> column) {
    Integer index = INDEX.get(column);
    if (index == null) {
      throw new IllegalArgumentException(column + " is not a stored column of " + CUSTOMER.getName());
    }
    return (T) columns[index];
  }

  public UUID id() {
    return get(CUSTOMER.ID);
  }
}
