package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.db.Tenancy;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.Customer;

/**
 * A create and an update keep their plan on a connection whatever fields
 * are empty: the driver prepares a statement anew when the types of its
 * values change, and a null sent untyped where the last run sent text (or
 * a date, or an id) did that, so every create was planned again.
 */
class CustomerPlansKeptTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static final int RUNS = 6;

  /** Every other customer has no company, birth date, customer type or address: the same columns, nulls in turn. */
  private static Customer customer(int i) {
    Customer.Builder c = Customers.minimal().setLastName("Planned" + i);
    if (i % 2 == 0) {
      c.setCompany("Acme").setBirthDate(com.google.type.Date.newBuilder().setYear(1980).setMonth(2).setDay(3))
          .setDiscountPercent("5");
      c.getAddressBuilder().setAddressLine1("1 Main St").setCity("Halifax").setPostalCode("B3H 1A1").setCountryCode("CA");
    }
    return c.build();
  }

  @Test
  void createsAndUpdatesWithNullsInTurnRunOnOnePlanPerConnection() {
    UUID tenant = api.tenantA().tenantId();
    CustomerRepository repository = new CustomerRepository();
    List<Record2<Long, Long>> plans = Tenancy.call(tenant, () -> api.serving().cachedPlans().connectionResult(connection -> {
      DSLContext session = DSL.using(connection, SQLDialect.POSTGRES);
      for (int i = 0; i < RUNS; i++) {
        CustomerRecord created = CustomerMapper.toRecord(customer(i), new CustomerRecord())
            .setTenantId(tenant).setId(UUID.randomUUID()).setSource("API");
        repository.insert(session, created);
        CustomerRecord changed = CustomerMapper.toRecord(customer(i + 1), repository.findForUpdate(session, tenant, created.getId()).orElseThrow());
        repository.update(session, changed);
      }
      return session.resultQuery("select generic_plans, custom_plans from pg_prepared_statements"
              + " where statement like 'insert into \"customer\"%' or statement like 'update \"customer\"%' order by statement")
          .coerce(DSL.field("generic_plans", Long.class), DSL.field("custom_plans", Long.class))
          .fetch();
    }));

    // One prepared INSERT and one UPDATE, each run every time on its kept plan.
    assertThat(plans).hasSize(2);
    for (Record2<Long, Long> plan : plans) {
      assertThat(plan.value1()).as("runs on the kept plan").isEqualTo(RUNS);
      assertThat(plan.value2()).as("runs planned for their values").isZero();
    }
  }
}
