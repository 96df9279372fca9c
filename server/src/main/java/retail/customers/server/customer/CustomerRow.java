package retail.customers.server.customer;

import java.math.BigDecimal;
import java.util.UUID;
import retail.customers.db.tables.records.CustomerRecord;

/**
 * A customer as read for the API: its row, and what its effective pricing is
 * derived from (its type's discount and tax class, the store default).
 */
public record CustomerRow(CustomerRecord customer, BigDecimal typeDiscount, UUID typeTaxClassId, UUID defaultTaxClassId) {}
