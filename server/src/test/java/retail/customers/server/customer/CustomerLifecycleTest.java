package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.Address;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerView;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.Source;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

class CustomerLifecycleTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Customer.Builder betty() {
    return Customer.newBuilder()
        .setFirstName("Betty")
        .setLastName("Smith")
        .setEmail("Betty.Smith@Example.COM")
        .setHomePhone("(514) 555-0123")
        .setAddress(Address.newBuilder().setAddressLine1("1 rue Sainte-Catherine").setCity("Montréal").setRegion("QC")
            .setPostalCode("h2x1y4").setCountryCode("ca"));
  }

  private static Customer create(Customer.Builder customer) {
    return api.customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(customer).build());
  }

  @Test
  void createReturnsTheStoredNormalisedCustomerAndGetReadsItBack() {
    Customer created = create(betty());

    assertThat(created.getName()).startsWith("customers/");
    assertThat(created.getEmail()).isEqualTo("Betty.Smith@example.com");
    assertThat(created.getHomePhone()).isEqualTo("+15145550123");
    assertThat(created.getAddress().getPostalCode()).isEqualTo("H2X 1Y4");
    assertThat(created.getAddress().getCountryCode()).isEqualTo("CA");
    assertThat(created.getSource()).isEqualTo(Source.SOURCE_API);
    assertThat(created.hasCreateTime()).isTrue();
    assertThat(created.getEtag()).isNotEmpty();

    Customer read = api.customers().getCustomer(GetCustomerRequest.newBuilder().setName(created.getName()).build());
    assertThat(read).isEqualTo(created);
  }

  @Test
  void registerViewReturnsOnlyTheShipToSubset() {
    Customer created = create(betty().setNotes("Check-up due March").setTitle("Dr.").setWorkPhone("514 555 0199"));

    Customer register =
        api.customers().getCustomer(
            GetCustomerRequest.newBuilder().setName(created.getName()).setView(CustomerView.CUSTOMER_VIEW_REGISTER).build());

    assertThat(register)
        .isEqualTo(
            Customer.newBuilder()
                .setName(created.getName())
                .setEtag(created.getEtag())
                .setNotes("Check-up due March")
                .setFirstName("Betty")
                .setLastName("Smith")
                .setHomePhone("+15145550123")
                .setAddress(created.getAddress())
                .build());
  }

  @Test
  void updateChangesOnlyTheMaskedFieldsAndStaleEtagIsAborted() {
    Customer created = create(betty().setCompany("Acme"));

    Customer updated =
        api.customers().updateCustomer(
            UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag())
                    .setFirstName("Bettina").setCompany("ignored because not in the mask"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("first_name").addPaths("address.city"))
                .build());

    assertThat(updated.getFirstName()).isEqualTo("Bettina");
    assertThat(updated.getCompany()).isEqualTo("Acme");
    assertThat(updated.getAddress().getCity()).isEmpty();
    assertThat(updated.getAddress().getPostalCode()).isEqualTo("H2X 1Y4");
    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());

    StatusRuntimeException stale =
        failure(() -> api.customers().updateCustomer(
            UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag()).setLastName("Jones"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("last_name"))
                .build()));
    assertThat(code(stale)).isEqualTo(Status.Code.ABORTED);
    assertThat(reason(stale)).isEqualTo("ETAG_MISMATCH");
  }

  @Test
  void archiveAndRestore() {
    Customer created = create(betty());

    Customer archived = api.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(created.getName()).build());
    assertThat(archived.getArchived()).isTrue();
    assertThat(archived.hasDeleteTime()).isTrue();

    Customer restored = api.customers().undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(created.getName()).build());
    assertThat(restored.getArchived()).isFalse();
    assertThat(restored.hasDeleteTime()).isFalse();
  }

  @Test
  void unknownCustomerIsNotFound() {
    StatusRuntimeException e =
        failure(() -> api.customers().getCustomer(GetCustomerRequest.newBuilder().setName("customers/" + UUID.randomUUID()).build()));
    assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(reason(e)).isEqualTo("RESOURCE_NOT_FOUND");
  }
}
