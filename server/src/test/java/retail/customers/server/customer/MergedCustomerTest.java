package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;

/**
 * Reads and writes of a customer that was merged into another. MergeCustomers
 * is not built yet, so the merge is written straight into the table, as it
 * will leave it: the merged row points at its survivor.
 */
class MergedCustomerTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static void merge(Customer merged, Customer survivor) {
    api.database().dsl().update(CUSTOMER)
        .set(CUSTOMER.MERGED_INTO, Customers.id(survivor))
        .where(CUSTOMER.TENANT_ID.eq(api.tenantA().tenantId()), CUSTOMER.ID.eq(Customers.id(merged)))
        .execute();
  }

  @Test
  void mergedNameResolvesToTheSurvivorThroughAChain() {
    Customer first = Customers.create(api.customers(), Customers.valid().setFirstName("First"));
    Customer second = Customers.create(api.customers(), Customers.valid().setFirstName("Second"));
    Customer survivor = Customers.create(api.customers(), Customers.valid().setFirstName("Survivor"));
    merge(first, second);
    merge(second, survivor);

    Customer read = Customers.get(api.customers(), first.getName());
    assertThat(read.toBuilder().clearMergedCustomers().build()).isEqualTo(survivor);
    assertThat(read.getMergedCustomersList()).containsExactly(second.getName());
    assertThat(api.customers().batchGetCustomers(BatchGetCustomersRequest.newBuilder().addNames(first.getName()).build())
        .getResults(0).getCustomer()).isEqualTo(read);
  }

  @Test
  void mergedCustomerCannotBeWritten() {
    Customer merged = Customers.create(api.customers(), Customers.valid());
    Customer survivor = Customers.create(api.customers(), Customers.valid());
    merge(merged, survivor);

    List<Executable> writes =
        List.of(
            () -> Customers.update(api.customers(), merged.getName(), Customer.newBuilder().setNotes("x"), "notes"),
            () -> api.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(merged.getName()).build()),
            () -> api.customers().eraseCustomer(EraseCustomerRequest.newBuilder().setName(merged.getName()).setReason("GDPR").build()));
    for (Executable write : writes) {
      StatusRuntimeException e = failure(write::execute);
      assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(reason(e)).isEqualTo("CUSTOMER_MERGED");
      assertThat(e.getStatus().getDescription()).contains(survivor.getName());
      assertThat(retail.customers.server.testing.Errors.metadata(e)).containsEntry("survivor", survivor.getName());
    }
    assertThat(Customers.get(api.customers(), survivor.getName()).toBuilder().clearMergedCustomers().build()).isEqualTo(survivor);
  }
}
