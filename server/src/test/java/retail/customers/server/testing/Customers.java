package retail.customers.server.testing;

import static retail.customers.db.Tables.CUSTOMER;

import com.google.protobuf.FieldMask;
import java.util.UUID;
import retail.customers.v1.Address;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * Customer fixtures: a valid customer of tenant A (Canada) that each test
 * changes only where it is about, and the few calls every customer test makes.
 */
public final class Customers {
  private Customers() {}

  /** A valid Canadian customer with the fields a register usually fills. */
  public static Customer.Builder valid() {
    return Customer.newBuilder()
        .setFirstName("Betty")
        .setLastName("Smith")
        .setEmail("betty.smith@example.com")
        .setHomePhone("(514) 555-0123")
        .setAddress(
            Address.newBuilder()
                .setAddressLine1("1 rue Sainte-Catherine")
                .setCity("Montréal")
                .setRegion("QC")
                .setPostalCode("H2X 1Y4")
                .setCountryCode("CA"));
  }

  /** A valid customer with no address and no phone, for tenants outside Canada. */
  public static Customer.Builder minimal() {
    return Customer.newBuilder().setFirstName("Ann").setLastName("Lee");
  }

  public static Customer create(CustomerServiceBlockingStub stub, Customer.Builder customer) {
    return stub.createCustomer(CreateCustomerRequest.newBuilder().setCustomer(customer).build());
  }

  public static Customer get(CustomerServiceBlockingStub stub, String name) {
    return stub.getCustomer(GetCustomerRequest.newBuilder().setName(name).build());
  }

  /** Updates the masked fields of {@code changes}, unconditionally (no etag). */
  public static Customer update(CustomerServiceBlockingStub stub, String name, Customer.Builder changes, String... paths) {
    return stub.updateCustomer(
        UpdateCustomerRequest.newBuilder()
            .setCustomer(changes.setName(name))
            .setUpdateMask(mask(paths))
            .build());
  }

  public static FieldMask mask(String... paths) {
    return FieldMask.newBuilder().addAllPaths(java.util.List.of(paths)).build();
  }

  /** The id part of {@code customers/{id}}. */
  public static UUID id(Customer customer) {
    return UUID.fromString(customer.getName().substring("customers/".length()));
  }

  /** How many customer rows the tenant has in the database, whatever their state. */
  public static int rows(ApiServer api, UUID tenantId) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.TENANT_ID.eq(tenantId));
  }

  /** A request_id: a fresh UUID. */
  public static String requestId() {
    return UUID.randomUUID().toString();
  }
}
