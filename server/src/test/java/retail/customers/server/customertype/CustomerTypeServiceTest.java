package retail.customers.server.customertype;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.DeleteCustomerTypeRequest;
import retail.customers.v1.DeleteCustomerTypeRequest.InUsePolicy;
import retail.customers.v1.DeleteCustomerTypeResponse;
import retail.customers.v1.GetCustomerTypeRequest;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListCustomerTypesResponse;
import retail.customers.v1.PricingSource;
import retail.customers.v1.TaxClass;
import retail.customers.v1.UpdateCustomerTypeRequest;

/**
 * CustomerTypeService, and above all what deleting a type does to its
 * customers: by default nothing (the call fails), else they are reassigned
 * or detached with their effective pricing kept.
 */
class CustomerTypeServiceTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static TaxClass reduced;

  @BeforeAll
  static void taxClass() {
    reduced = api.taxClasses().createTaxClass(
        CreateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setDisplayName("Reduced")).build());
  }

  private static String unique(String name) {
    return name + " " + UUID.randomUUID().toString().substring(0, 8);
  }

  private static CustomerType create(CustomerTypeServiceBlockingStub stub, CustomerType.Builder type) {
    return stub.createCustomerType(CreateCustomerTypeRequest.newBuilder().setCustomerType(type).build());
  }

  private static CustomerType create(CustomerType.Builder type) {
    return create(api.customerTypes(), type);
  }

  private static CustomerType.Builder named(String name) {
    return CustomerType.newBuilder().setDisplayName(unique(name));
  }

  private static CustomerType get(CustomerType type) {
    return api.customerTypes().getCustomerType(GetCustomerTypeRequest.newBuilder().setName(type.getName()).build());
  }

  private static DeleteCustomerTypeResponse delete(DeleteCustomerTypeRequest.Builder request) {
    return api.customerTypes().deleteCustomerType(request.build());
  }

  private static Customer customerOf(CustomerType type) {
    return Customers.create(api.customers(), Customers.valid().setCustomerType(type.getName()));
  }

  // ---- create, get ----

  @Test
  void createThenGetReturnsTheSameType() {
    CustomerType created = create(named("Student").setDiscountPercent("12.5").setTaxClass(reduced.getName()));

    assertThat(created.getName()).matches("customerTypes/[0-9a-f-]{36}");
    assertThat(created.getDiscountPercent()).isEqualTo("12.50");
    assertThat(created.getTaxClass()).isEqualTo(reduced.getName());
    assertThat(created.getCustomerCount()).isZero();
    assertThat(get(created)).isEqualTo(created);
  }

  @Test
  void typeWithoutDiscountHasNone() {
    assertThat(create(named("Plain")).hasDiscountPercent()).isFalse();
  }

  @Test
  void badFieldsAreAllNamed() {
    StatusRuntimeException e =
        failure(() -> create(CustomerType.newBuilder().setDisplayName(" ").setDiscountPercent("101").setTaxClass("Reduced")));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e))
        .containsOnlyKeys("customer_type.display_name", "customer_type.discount_percent", "customer_type.tax_class");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-5", "12.345", "x"})
  void discountThatIsNotAPercentIsInvalid(String discount) {
    assertThat(violations(failure(() -> create(named("Bad").setDiscountPercent(discount)))))
        .containsOnlyKeys("customer_type.discount_percent");
  }

  @Test
  void unknownTaxClassIsInvalid() {
    assertThat(violations(failure(() -> create(named("Ghost").setTaxClass("taxClasses/" + UUID.randomUUID())))))
        .containsOnlyKeys("customer_type.tax_class");
  }

  @Test
  void nameTakenIgnoringCaseIsAlreadyExists() {
    String name = unique("Veteran");
    create(CustomerType.newBuilder().setDisplayName(name));

    StatusRuntimeException e = failure(() -> create(CustomerType.newBuilder().setDisplayName(name.toUpperCase())));

    assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(reason(e)).isEqualTo("ALREADY_EXISTS");
    assertThat(violations(e)).containsOnlyKeys("customer_type.display_name");
  }

  @Test
  void createWithSameRequestIdReturnsTheFirstType() {
    CreateCustomerTypeRequest request =
        CreateCustomerTypeRequest.newBuilder().setCustomerType(named("Retry")).setRequestId(Customers.requestId()).build();

    CustomerType first = api.customerTypes().createCustomerType(request);

    assertThat(api.customerTypes().createCustomerType(request)).isEqualTo(first);
  }

  @Test
  void customerCountIncludesArchivedCustomers() {
    CustomerType type = create(named("Counted"));
    customerOf(type);
    Customer archived = customerOf(type);
    api.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(archived.getName()).build());

    assertThat(get(type).getCustomerCount()).isEqualTo(2);
  }

  // ---- update ----

  @Test
  void updateChangesOnlyTheMaskedFields() {
    CustomerType created = create(named("Employee").setDiscountPercent("30").setTaxClass(reduced.getName()));

    CustomerType updated =
        api.customerTypes().updateCustomerType(
            UpdateCustomerTypeRequest.newBuilder()
                .setCustomerType(created.toBuilder().setDiscountPercent("35").setDisplayName("ignored " + UUID.randomUUID()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("discount_percent"))
                .build());

    assertThat(updated.getDiscountPercent()).isEqualTo("35.00");
    assertThat(updated.getDisplayName()).isEqualTo(created.getDisplayName());
    assertThat(updated.getTaxClass()).isEqualTo(reduced.getName());
    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());
  }

  @Test
  void maskedFieldsLeftUnsetAreCleared() {
    CustomerType created = create(named("Clear").setDiscountPercent("30").setTaxClass(reduced.getName()));

    CustomerType updated =
        api.customerTypes().updateCustomerType(
            UpdateCustomerTypeRequest.newBuilder()
                .setCustomerType(CustomerType.newBuilder().setName(created.getName()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("discount_percent").addPaths("tax_class"))
                .build());

    assertThat(updated.hasDiscountPercent()).isFalse();
    assertThat(updated.getTaxClass()).isEmpty();
  }

  @Test
  void emptyMaskChangesTheFieldsSet() {
    CustomerType created = create(named("Implicit").setDiscountPercent("5"));
    String newName = unique("Renamed");

    CustomerType updated =
        api.customerTypes().updateCustomerType(
            UpdateCustomerTypeRequest.newBuilder()
                .setCustomerType(CustomerType.newBuilder().setName(created.getName()).setDisplayName(newName))
                .build());

    assertThat(updated.getDisplayName()).isEqualTo(newName);
    assertThat(updated.getDiscountPercent()).isEqualTo("5.00");
  }

  @Test
  void updateWithStaleEtagIsAborted() {
    CustomerType created = create(named("Stale"));
    api.customerTypes().updateCustomerType(
        UpdateCustomerTypeRequest.newBuilder().setCustomerType(created.toBuilder().setDiscountPercent("1")).build());

    StatusRuntimeException e =
        failure(() -> api.customerTypes().updateCustomerType(
            UpdateCustomerTypeRequest.newBuilder().setCustomerType(created.toBuilder().setDiscountPercent("2")).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
    assertThat(reason(e)).isEqualTo("ETAG_MISMATCH");
    assertThat(get(created).getDiscountPercent()).isEqualTo("1.00");
  }

  @ParameterizedTest
  @ValueSource(strings = {"customer_count", "name", "etag", "update_time", "colour"})
  void maskPathThatIsNotWritableIsInvalid(String path) {
    CustomerType created = create(named("Mask"));
    StatusRuntimeException e =
        failure(() -> api.customerTypes().updateCustomerType(
            UpdateCustomerTypeRequest.newBuilder().setCustomerType(created).setUpdateMask(FieldMask.newBuilder().addPaths(path)).build()));
    assertThat(violations(e)).containsOnlyKeys("update_mask");
  }

  @Test
  void renamingToATakenNameIsAlreadyExists() {
    String taken = unique("Taken");
    create(CustomerType.newBuilder().setDisplayName(taken));
    CustomerType other = create(named("Other"));

    StatusRuntimeException e =
        failure(() -> api.customerTypes().updateCustomerType(
            UpdateCustomerTypeRequest.newBuilder()
                .setCustomerType(CustomerType.newBuilder().setName(other.getName()).setDisplayName(taken.toLowerCase()))
                .build()));

    assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
  }

  // ---- delete ----

  @Test
  void unusedTypeIsDeleted() {
    CustomerType created = create(named("Unused"));

    DeleteCustomerTypeResponse response = delete(DeleteCustomerTypeRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()));

    assertThat(response.getAffectedCustomers()).isZero();
    assertThat(code(failure(() -> get(created)))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void typeInUseIsNotDeletedWithoutAPolicy() {
    CustomerType type = create(named("In use").setDiscountPercent("10"));
    Customer customer = customerOf(type);

    StatusRuntimeException e = failure(() -> delete(DeleteCustomerTypeRequest.newBuilder().setName(type.getName())));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(e)).isEqualTo("RESOURCE_IN_USE");
    assertThat(e.getStatus().getDescription()).contains("1 customer");
    assertThat(get(type)).isEqualTo(type.toBuilder().setCustomerCount(1).build());
    assertThat(Customers.get(api.customers(), customer.getName()).getEffectiveDiscountPercent()).isEqualTo("10.00");
  }

  @Test
  void typeOfAnArchivedCustomerIsStillInUse() {
    CustomerType type = create(named("Archived use"));
    Customer customer = customerOf(type);
    api.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(customer.getName()).build());

    StatusRuntimeException e = failure(() -> delete(DeleteCustomerTypeRequest.newBuilder().setName(type.getName())));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void reassignMovesTheCustomersToTheReplacement() {
    CustomerType old = create(named("Old").setDiscountPercent("5"));
    CustomerType replacement = create(named("New").setDiscountPercent("8"));
    Customer first = customerOf(old);
    Customer second = customerOf(old);

    DeleteCustomerTypeResponse response =
        delete(DeleteCustomerTypeRequest.newBuilder()
            .setName(old.getName())
            .setInUsePolicy(InUsePolicy.REASSIGN)
            .setReplacementCustomerType(replacement.getName()));

    assertThat(response.getAffectedCustomers()).isEqualTo(2);
    for (Customer customer : List.of(first, second)) {
      Customer after = Customers.get(api.customers(), customer.getName());
      assertThat(after.getCustomerType()).isEqualTo(replacement.getName());
      assertThat(after.getEffectiveDiscountPercent()).isEqualTo("8.00");
      assertThat(after.getEtag()).isNotEqualTo(customer.getEtag());
    }
    assertThat(get(replacement).getCustomerCount()).isEqualTo(2);
    assertThat(code(failure(() -> get(old)))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void reassignNeedsAnotherExistingType() {
    CustomerType type = create(named("Reassign"));
    customerOf(type);

    for (String replacement : List.of("", "Other", type.getName(), "customerTypes/" + UUID.randomUUID())) {
      StatusRuntimeException e =
          failure(() -> delete(DeleteCustomerTypeRequest.newBuilder()
              .setName(type.getName())
              .setInUsePolicy(InUsePolicy.REASSIGN)
              .setReplacementCustomerType(replacement)));
      assertThat(code(e)).as(replacement).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations(e)).containsOnlyKeys("replacement_customer_type");
    }
    assertThat(get(type).getCustomerCount()).isEqualTo(1);
  }

  @Test
  void replacementWithoutReassignIsInvalid() {
    CustomerType type = create(named("Confused"));
    CustomerType other = create(named("Other"));

    StatusRuntimeException e =
        failure(() -> delete(DeleteCustomerTypeRequest.newBuilder()
            .setName(type.getName())
            .setInUsePolicy(InUsePolicy.DETACH_KEEP_PRICING)
            .setReplacementCustomerType(other.getName())));

    assertThat(violations(e)).containsOnlyKeys("replacement_customer_type");
  }

  @Test
  void detachKeepsTheCustomersEffectivePricing() {
    CustomerType type = create(named("Detach").setDiscountPercent("15").setTaxClass(reduced.getName()));
    Customer plain = customerOf(type);
    Customer ownDiscount = Customers.create(api.customers(), Customers.valid().setCustomerType(type.getName()).setDiscountPercent("2"));
    Customer plainBefore = Customers.get(api.customers(), plain.getName());

    DeleteCustomerTypeResponse response =
        delete(DeleteCustomerTypeRequest.newBuilder().setName(type.getName()).setInUsePolicy(InUsePolicy.DETACH_KEEP_PRICING));

    assertThat(response.getAffectedCustomers()).isEqualTo(2);
    Customer plainAfter = Customers.get(api.customers(), plain.getName());
    assertThat(plainAfter.getCustomerType()).isEmpty();
    assertThat(plainAfter.getEffectiveDiscountPercent()).isEqualTo(plainBefore.getEffectiveDiscountPercent()).isEqualTo("15.00");
    assertThat(plainAfter.getEffectiveTaxClass()).isEqualTo(plainBefore.getEffectiveTaxClass()).isEqualTo(reduced.getName());
    assertThat(plainAfter.getEffectiveDiscountSource()).isEqualTo(PricingSource.PRICING_SOURCE_CUSTOMER);

    Customer ownAfter = Customers.get(api.customers(), ownDiscount.getName());
    assertThat(ownAfter.getDiscountPercent()).isEqualTo("2.00");
    assertThat(ownAfter.getEffectiveTaxClass()).isEqualTo(reduced.getName());
  }

  @Test
  void detachOfATypeWithoutPricingLeavesTheCustomersWithout() {
    CustomerType type = create(named("No pricing"));
    Customer customer = customerOf(type);

    delete(DeleteCustomerTypeRequest.newBuilder().setName(type.getName()).setInUsePolicy(InUsePolicy.DETACH_KEEP_PRICING));

    Customer after = Customers.get(api.customers(), customer.getName());
    assertThat(after.hasDiscountPercent()).isFalse();
    assertThat(after.getTaxClass()).isEmpty();
  }

  @Test
  void deleteWithStaleEtagIsAborted() {
    CustomerType type = create(named("Stale delete"));
    api.customerTypes().updateCustomerType(
        UpdateCustomerTypeRequest.newBuilder().setCustomerType(type.toBuilder().setDiscountPercent("3")).build());

    StatusRuntimeException e = failure(() -> delete(DeleteCustomerTypeRequest.newBuilder().setName(type.getName()).setEtag(type.getEtag())));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
  }

  @Test
  void deleteWithSameRequestIdReturnsTheFirstAnswer() {
    CustomerType old = create(named("Retried delete"));
    CustomerType replacement = create(named("Successor"));
    customerOf(old);
    customerOf(old);
    DeleteCustomerTypeRequest request =
        DeleteCustomerTypeRequest.newBuilder()
            .setName(old.getName())
            .setInUsePolicy(InUsePolicy.REASSIGN)
            .setReplacementCustomerType(replacement.getName())
            .setRequestId(Customers.requestId())
            .build();

    DeleteCustomerTypeResponse first = api.customerTypes().deleteCustomerType(request);
    DeleteCustomerTypeResponse retry = api.customerTypes().deleteCustomerType(request);

    assertThat(first.getAffectedCustomers()).isEqualTo(2);
    assertThat(retry).as("the first answer, not NOT_FOUND").isEqualTo(first);
    assertThat(get(replacement).getCustomerCount()).isEqualTo(2);
    assertThat(code(failure(() -> get(old)))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void deleteWithSameRequestIdAndAnotherBodyIsRequestIdReused() {
    String requestId = Customers.requestId();
    CustomerType deleted = create(named("Deleted once"));
    CustomerType other = create(named("Not deleted"));
    delete(DeleteCustomerTypeRequest.newBuilder().setName(deleted.getName()).setRequestId(requestId));

    StatusRuntimeException samePolicyChanged =
        failure(() -> delete(DeleteCustomerTypeRequest.newBuilder()
            .setName(deleted.getName())
            .setInUsePolicy(InUsePolicy.DETACH_KEEP_PRICING)
            .setRequestId(requestId)));
    StatusRuntimeException anotherType =
        failure(() -> delete(DeleteCustomerTypeRequest.newBuilder().setName(other.getName()).setRequestId(requestId)));

    for (StatusRuntimeException e : List.of(samePolicyChanged, anotherType)) {
      assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(reason(e)).isEqualTo("REQUEST_ID_REUSED");
      assertThat(violations(e)).containsOnlyKeys("request_id");
    }
    assertThat(get(other)).as("its deletion was rolled back").isEqualTo(other);
  }

  // ---- list ----

  @Test
  void listPagesThroughEveryTypeByNameWithCountsAndNoDuplicates() {
    CustomerTypeServiceBlockingStub store =
        api.customerTypes(api.services().apiKeys().createTenant("Paging store", "CA").key());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      String name = (i % 3 == 0 ? "type " : "Type ") + String.format("%02d", 10 - i);
      create(store, CustomerType.newBuilder().setDisplayName(name));
      names.add(name);
    }

    List<CustomerType> listed = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListCustomerTypesResponse page =
          store.listCustomerTypes(ListCustomerTypesRequest.newBuilder().setPageSize(4).setPageToken(token).build());
      listed.addAll(page.getCustomerTypesList());
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(pages).isEqualTo(3);
    assertThat(listed).extracting(CustomerType::getDisplayName)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(names)
        .isSortedAccordingTo(String.CASE_INSENSITIVE_ORDER);
  }

  @Test
  void listShowsEachTypesCustomerCount() {
    CustomerType type = create(named("Listed"));
    customerOf(type);

    List<CustomerType> all =
        api.customerTypes().listCustomerTypes(ListCustomerTypesRequest.newBuilder().setPageSize(1000).build()).getCustomerTypesList();

    assertThat(all).filteredOn(t -> t.getName().equals(type.getName())).extracting(CustomerType::getCustomerCount).containsExactly(1L);
  }

  @Test
  void pageTokenOfAnotherStoreIsInvalidPageToken() {
    for (int i = 0; i < 2; i++) {
      create(named("Token"));
    }
    String token =
        api.customerTypes().listCustomerTypes(ListCustomerTypesRequest.newBuilder().setPageSize(1).build()).getNextPageToken();

    StatusRuntimeException e =
        failure(() -> api.customerTypes(api.tenantB().key())
            .listCustomerTypes(ListCustomerTypesRequest.newBuilder().setPageSize(1).setPageToken(token).build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }

  @Test
  void pageTokenOfAnotherListIsInvalidPageToken() {
    for (int i = 0; i < 2; i++) {
      create(named("Cross"));
    }
    String token =
        api.customerTypes().listCustomerTypes(ListCustomerTypesRequest.newBuilder().setPageSize(1).build()).getNextPageToken();

    StatusRuntimeException e =
        failure(() -> api.taxClasses().listTaxClasses(
            retail.customers.v1.ListTaxClassesRequest.newBuilder().setPageSize(1).setPageToken(token).build()));

    assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }
}
