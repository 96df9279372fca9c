package retail.customers.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomFieldServiceGrpc.CustomFieldServiceBlockingStub;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub;
import retail.customers.v1.DeleteCustomFieldRequest;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.DeleteCustomerTypeRequest;
import retail.customers.v1.DeleteTaxClassRequest;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.GetCustomFieldRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.GetCustomerTypeRequest;
import retail.customers.v1.GetTaxClassRequest;
import retail.customers.v1.ListCustomFieldsRequest;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListTaxClassesRequest;
import retail.customers.v1.TaxClass;
import retail.customers.v1.TaxClassServiceGrpc.TaxClassServiceBlockingStub;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomFieldRequest;
import retail.customers.v1.UpdateCustomerRequest;
import retail.customers.v1.UpdateCustomerTypeRequest;
import retail.customers.v1.UpdateTaxClassRequest;

/**
 * SPEC section 1: no tenant may ever see another's data. Tenant B, holding
 * the names of tenant A's resources, finds nothing, changes nothing, and
 * cannot refer to them.
 */
class TenantIsolationTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static CustomerServiceBlockingStub customersOfB;
  private static CustomerTypeServiceBlockingStub typesOfB;
  private static TaxClassServiceBlockingStub taxClassesOfB;
  private static CustomFieldServiceBlockingStub fieldsOfB;

  private static TaxClass taxClassOfA;
  private static CustomerType typeOfA;
  private static CustomField fieldOfA;
  private static Customer customerOfA;

  @BeforeAll
  static void dataOfA() {
    String keyOfB = api.tenantB().key();
    customersOfB = api.customers(keyOfB);
    typesOfB = api.customerTypes(keyOfB);
    taxClassesOfB = api.taxClasses(keyOfB);
    fieldsOfB = api.customFields(keyOfB);

    taxClassOfA = api.taxClasses().createTaxClass(
        CreateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setDisplayName("Out of province").setIsDefault(true))
            .build());
    typeOfA = api.customerTypes().createCustomerType(
        CreateCustomerTypeRequest.newBuilder()
            .setCustomerType(CustomerType.newBuilder().setDisplayName("VIP").setDiscountPercent("10").setTaxClass(taxClassOfA.getName()))
            .build());
    fieldOfA = api.customFields().createCustomField(
        CreateCustomFieldRequest.newBuilder()
            .setCustomFieldId("shoe_size")
            .setCustomField(CustomField.newBuilder().setDisplayName("Shoe size").setValueType(CustomField.ValueType.NUMBER))
            .build());
    customerOfA =
        Customers.create(api.customers(),
            Customers.valid()
                .setCustomerType(typeOfA.getName())
                .setExternalReference("web-1")
                .putCustomFields("shoe_size", CustomFieldValue.newBuilder().setNumberValue(38).build()));
  }

  private static void assertNotFound(Executable call) {
    StatusRuntimeException e = failure(call::execute);
    assertThat(code(e)).as(e.getStatus().getDescription()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(reason(e)).isEqualTo("RESOURCE_NOT_FOUND");
  }

  @Test
  void anotherStoresCustomerIsNotFoundForAnyCall() {
    String name = customerOfA.getName();
    assertNotFound(() -> customersOfB.getCustomer(GetCustomerRequest.newBuilder().setName(name).build()));
    assertNotFound(() -> customersOfB.updateCustomer(
        UpdateCustomerRequest.newBuilder()
            .setCustomer(Customer.newBuilder().setName(name).setFirstName("Mallory"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("first_name"))
            .build()));
    assertNotFound(() -> customersOfB.deleteCustomer(DeleteCustomerRequest.newBuilder().setName(name).build()));
    assertNotFound(() -> customersOfB.undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(name).build()));
    assertNotFound(() -> customersOfB.eraseCustomer(EraseCustomerRequest.newBuilder().setName(name).setReason("mischief").build()));

    assertThat(Customers.get(api.customers(), name)).isEqualTo(customerOfA);
  }

  @Test
  void notFoundForAnotherStoreLooksLikeNotFoundForNobody() {
    StatusRuntimeException other =
        failure(() -> customersOfB.getCustomer(GetCustomerRequest.newBuilder().setName(customerOfA.getName()).build()));
    String unknownName = "customers/" + java.util.UUID.randomUUID();
    StatusRuntimeException unknown =
        failure(() -> customersOfB.getCustomer(GetCustomerRequest.newBuilder().setName(unknownName).build()));

    assertThat(other.getStatus().getDescription().replace(customerOfA.getName(), "X"))
        .isEqualTo(unknown.getStatus().getDescription().replace(unknownName, "X"));
  }

  @Test
  void anotherStoresCustomerTypeIsNotFound() {
    String name = typeOfA.getName();
    assertNotFound(() -> typesOfB.getCustomerType(GetCustomerTypeRequest.newBuilder().setName(name).build()));
    assertNotFound(() -> typesOfB.updateCustomerType(
        UpdateCustomerTypeRequest.newBuilder()
            .setCustomerType(CustomerType.newBuilder().setName(name).setDisplayName("Hijacked"))
            .build()));
    assertNotFound(() -> typesOfB.deleteCustomerType(
        DeleteCustomerTypeRequest.newBuilder().setName(name).setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.DETACH_KEEP_PRICING)
            .build()));

    assertThat(api.customerTypes().getCustomerType(GetCustomerTypeRequest.newBuilder().setName(name).build()).getDisplayName())
        .isEqualTo("VIP");
    assertThat(Customers.get(api.customers(), customerOfA.getName()).getCustomerType()).isEqualTo(name);
  }

  @Test
  void anotherStoresTaxClassIsNotFound() {
    String name = taxClassOfA.getName();
    assertNotFound(() -> taxClassesOfB.getTaxClass(GetTaxClassRequest.newBuilder().setName(name).build()));
    assertNotFound(() -> taxClassesOfB.updateTaxClass(
        UpdateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setName(name).setDisplayName("Hijacked")).build()));
    assertNotFound(() -> taxClassesOfB.deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(name).build()));

    assertThat(api.taxClasses().getTaxClass(GetTaxClassRequest.newBuilder().setName(name).build())).isEqualTo(taxClassOfA);
  }

  @Test
  void anotherStoresCustomFieldIsNotFound() {
    String name = fieldOfA.getName();
    assertNotFound(() -> fieldsOfB.getCustomField(GetCustomFieldRequest.newBuilder().setName(name).build()));
    assertNotFound(() -> fieldsOfB.updateCustomField(
        UpdateCustomFieldRequest.newBuilder().setCustomField(CustomField.newBuilder().setName(name).setDisplayName("Hijacked"))
            .build()));
    assertNotFound(() -> fieldsOfB.deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(name).setForce(true).build()));

    assertThat(api.customFields().getCustomField(GetCustomFieldRequest.newBuilder().setName(name).build())).isEqualTo(fieldOfA);
    assertThat(Customers.get(api.customers(), customerOfA.getName()).getCustomFieldsMap()).containsKey("shoe_size");
  }

  @Test
  void listsShowOnlyTheCallersOwnResources() {
    assertThat(typesOfB.listCustomerTypes(ListCustomerTypesRequest.getDefaultInstance()).getCustomerTypesList()).isEmpty();
    assertThat(taxClassesOfB.listTaxClasses(ListTaxClassesRequest.getDefaultInstance()).getTaxClassesList()).isEmpty();
    assertThat(fieldsOfB.listCustomFields(ListCustomFieldsRequest.getDefaultInstance()).getCustomFieldsList()).isEmpty();
  }

  @Test
  void anotherStoresTypeTaxClassAndFieldCannotBeUsed() {
    StatusRuntimeException e =
        failure(() -> Customers.create(customersOfB,
            Customers.minimal()
                .setCustomerType(typeOfA.getName())
                .setTaxClass(taxClassOfA.getName())
                .putCustomFields("shoe_size", CustomFieldValue.newBuilder().setNumberValue(41).build())));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("customer.customer_type", "customer.tax_class", "customer.custom_fields.shoe_size");

    StatusRuntimeException typeWithForeignTaxClass =
        failure(() -> typesOfB.createCustomerType(
            CreateCustomerTypeRequest.newBuilder()
                .setCustomerType(CustomerType.newBuilder().setDisplayName("Student").setTaxClass(taxClassOfA.getName()))
                .build()));
    assertThat(violations(typeWithForeignTaxClass)).containsOnlyKeys("customer_type.tax_class");
  }

  @Test
  void anotherStoresDefaultTaxClassAndTypePricingDoNotApply() {
    Customer ofB = Customers.create(customersOfB, Customers.minimal());
    assertThat(ofB.getEffectiveTaxClass()).isEmpty();
    assertThat(ofB.hasEffectiveDiscountPercent()).isFalse();
  }

  @Test
  void ensureDoesNotFindAnotherStoresCustomer() {
    var ensured =
        customersOfB.ensureCustomer(
            EnsureCustomerRequest.newBuilder().setCustomer(Customers.minimal().setExternalReference("web-1")).build());
    assertThat(ensured.getCreated()).isTrue();
    assertThat(ensured.getCustomer().getName()).isNotEqualTo(customerOfA.getName());

    var byEmail =
        customersOfB.ensureCustomer(
            EnsureCustomerRequest.newBuilder().setCustomer(Customers.minimal().setEmail(customerOfA.getEmail())).build());
    assertThat(byEmail.getCreated()).isTrue();
  }

  @Test
  void reassigningToAnotherStoresTypeIsRefused() {
    CustomerType ofB =
        typesOfB.createCustomerType(
            CreateCustomerTypeRequest.newBuilder().setCustomerType(CustomerType.newBuilder().setDisplayName("Regular")).build());
    Customers.create(customersOfB, Customers.minimal().setCustomerType(ofB.getName()));

    StatusRuntimeException e =
        failure(() -> typesOfB.deleteCustomerType(
            DeleteCustomerTypeRequest.newBuilder()
                .setName(ofB.getName())
                .setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.REASSIGN)
                .setReplacementCustomerType(typeOfA.getName())
                .build()));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("replacement_customer_type");
    assertThat(typesOfB.getCustomerType(GetCustomerTypeRequest.newBuilder().setName(ofB.getName()).build()).getCustomerCount())
        .isEqualTo(1);
  }

  @Test
  void pageTokenOfOneStoreIsRefusedForAnother() {
    for (int i = 0; i < 3; i++) {
      api.taxClasses().createTaxClass(
          CreateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setDisplayName("Zone " + i)).build());
    }
    String token =
        api.taxClasses().listTaxClasses(ListTaxClassesRequest.newBuilder().setPageSize(1).build()).getNextPageToken();
    assertThat(token).isNotEmpty();

    StatusRuntimeException e =
        failure(() -> taxClassesOfB.listTaxClasses(ListTaxClassesRequest.newBuilder().setPageSize(1).setPageToken(token).build()));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }

  @Test
  void everyStoreCallMadeWithOneKeySeesOnlyThatStore() {
    List<Customer> ofB = List.of(Customers.create(customersOfB, Customers.minimal()));
    assertNotFound(() -> api.customers().getCustomer(GetCustomerRequest.newBuilder().setName(ofB.getFirst().getName()).build()));
  }
}
