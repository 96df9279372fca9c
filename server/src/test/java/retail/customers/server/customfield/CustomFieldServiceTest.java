package retail.customers.server.customfield;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomField.ValueType;
import retail.customers.v1.CustomFieldServiceGrpc.CustomFieldServiceBlockingStub;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.DeleteCustomFieldRequest;
import retail.customers.v1.DeleteCustomFieldResponse;
import retail.customers.v1.GetCustomFieldRequest;
import retail.customers.v1.ListCustomFieldsRequest;
import retail.customers.v1.ListCustomFieldsResponse;
import retail.customers.v1.UpdateCustomFieldRequest;

/**
 * CustomFieldService: ids chosen by the client, an immutable type, options
 * that cannot be removed while customers hold them, and deletion that needs
 * {@code force} when customers have values.
 */
class CustomFieldServiceTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static String newId() {
    return "f_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static CustomField.Builder field(ValueType type, String... options) {
    return CustomField.newBuilder().setDisplayName("Field " + UUID.randomUUID()).setValueType(type).addAllOptions(List.of(options));
  }

  private static CustomField create(String id, CustomField.Builder field) {
    return create(api.customFields(), id, field);
  }

  private static CustomField create(CustomFieldServiceBlockingStub stub, String id, CustomField.Builder field) {
    return stub.createCustomField(CreateCustomFieldRequest.newBuilder().setCustomFieldId(id).setCustomField(field).build());
  }

  private static CustomField get(CustomField field) {
    return api.customFields().getCustomField(GetCustomFieldRequest.newBuilder().setName(field.getName()).build());
  }

  private static CustomField update(CustomField.Builder field, String... paths) {
    return api.customFields().updateCustomField(
        UpdateCustomFieldRequest.newBuilder().setCustomField(field).setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths))).build());
  }

  /**
   * A store of its own, for tests that create customers: fields that other
   * tests make required must not get in their way.
   */
  private record Store(CustomFieldServiceBlockingStub fields, CustomerServiceBlockingStub customers) {
    static Store create() {
      String key = api.services().apiKeys().createTenant("Store " + UUID.randomUUID(), "CA").key();
      return new Store(api.customFields(key), api.customers(key));
    }

    CustomField define(String id, CustomField.Builder field) {
      return CustomFieldServiceTest.create(fields, id, field);
    }

    CustomField update(CustomField.Builder field, String... paths) {
      return fields.updateCustomField(
          UpdateCustomFieldRequest.newBuilder().setCustomField(field).setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths))).build());
    }

    CustomField get(CustomField field) {
      return fields.getCustomField(GetCustomFieldRequest.newBuilder().setName(field.getName()).build());
    }

    Customer customerWith(String id, CustomFieldValue value) {
      return Customers.create(customers, Customers.valid().putCustomFields(id, value));
    }
  }

  private static CustomFieldValue choice(String option) {
    return CustomFieldValue.newBuilder().setChoiceValue(option).build();
  }

  // ---- create, get ----

  @Test
  void createThenGetReturnsTheSameField() {
    String id = newId();
    CustomField created = create(id, field(ValueType.SINGLE_CHOICE, " Red ", "Blue").setRequired(true));

    assertThat(created.getName()).isEqualTo("customFields/" + id);
    assertThat(created.getOptionsList()).containsExactly("Red", "Blue");
    assertThat(created.getRequired()).isTrue();
    assertThat(created.getValueType()).isEqualTo(ValueType.SINGLE_CHOICE);
    assertThat(get(created)).isEqualTo(created);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Shoe_size", "1size", "_size", "shoe-size", "shoe size", "schuhgröße"})
  void idThatIsNotLowerSnakeCaseIsInvalid(String id) {
    StatusRuntimeException e = failure(() -> create(id, field(ValueType.TEXT)));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("custom_field_id");
  }

  @Test
  void idOfUpTo63CharactersIsValid() {
    String id63 = "s" + "x".repeat(62);
    assertThat(create(id63, field(ValueType.TEXT)).getName()).isEqualTo("customFields/" + id63);
    assertThat(violations(failure(() -> create("s" + "x".repeat(63), field(ValueType.TEXT))))).containsOnlyKeys("custom_field_id");
  }

  @Test
  void takenIdIsAlreadyExists() {
    String id = newId();
    create(id, field(ValueType.TEXT));

    StatusRuntimeException e = failure(() -> create(id, field(ValueType.NUMBER)));

    assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(violations(e)).containsOnlyKeys("custom_field_id");
  }

  @Test
  void sameIdInAnotherStoreIsFine() {
    String id = newId();
    create(id, field(ValueType.TEXT));
    assertThat(create(api.customFields(api.tenantB().key()), id, field(ValueType.NUMBER)).getValueType()).isEqualTo(ValueType.NUMBER);
  }

  @Test
  void displayNameTakenIgnoringCaseIsAlreadyExists() {
    CustomField first = create(newId(), field(ValueType.TEXT));

    StatusRuntimeException e =
        failure(() -> create(newId(), field(ValueType.TEXT).setDisplayName(first.getDisplayName().toUpperCase())));

    assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(violations(e)).containsOnlyKeys("custom_field.display_name");
  }

  @Test
  void typeIsRequired() {
    StatusRuntimeException e = failure(() -> create(newId(), field(ValueType.VALUE_TYPE_UNSPECIFIED)));
    assertThat(violations(e)).containsOnlyKeys("custom_field.value_type");
    StatusRuntimeException unknown = failure(() -> create(newId(), field(ValueType.TEXT).setValueTypeValue(42)));
    assertThat(violations(unknown)).containsOnlyKeys("custom_field.value_type");
  }

  @Test
  void onlyChoiceFieldsHaveOptions() {
    assertThat(violations(failure(() -> create(newId(), field(ValueType.TEXT, "A")))))
        .containsOnlyKeys("custom_field.options");
    assertThat(violations(failure(() -> create(newId(), field(ValueType.SINGLE_CHOICE)))))
        .containsOnlyKeys("custom_field.options");
  }

  @Test
  void optionsMustBeDistinctNonEmptyAndAtMostAHundred() {
    assertThat(violations(failure(() -> create(newId(), field(ValueType.SINGLE_CHOICE, "A", " ", "B", "A")))))
        .containsOnlyKeys("custom_field.options[1]", "custom_field.options[3]");
    assertThat(violations(failure(() -> create(newId(), field(ValueType.SINGLE_CHOICE, "o".repeat(101))))))
        .containsOnlyKeys("custom_field.options[0]");

    List<String> many = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      many.add("Option " + i);
    }
    assertThat(violations(failure(() -> create(newId(), field(ValueType.SINGLE_CHOICE).addAllOptions(many)))))
        .containsOnlyKeys("custom_field.options");
    assertThat(create(newId(), field(ValueType.SINGLE_CHOICE).addAllOptions(many.subList(0, 100))).getOptionsCount()).isEqualTo(100);
  }

  @Test
  void malformedNamesAreInvalidAndUnknownOnesNotFound() {
    for (String name : List.of("", "customFields/", "shoe_size", "customFields/a/b")) {
      StatusRuntimeException e = failure(() -> api.customFields().getCustomField(GetCustomFieldRequest.newBuilder().setName(name).build()));
      assertThat(code(e)).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations(e)).containsOnlyKeys("name");
    }
    StatusRuntimeException e =
        failure(() -> api.customFields().getCustomField(GetCustomFieldRequest.newBuilder().setName("customFields/" + newId()).build()));
    assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void createWithSameRequestIdReturnsTheFirstField() {
    CreateCustomFieldRequest request =
        CreateCustomFieldRequest.newBuilder()
            .setCustomFieldId(newId())
            .setCustomField(field(ValueType.BOOLEAN))
            .setRequestId(Customers.requestId())
            .build();

    CustomField first = api.customFields().createCustomField(request);

    assertThat(api.customFields().createCustomField(request)).isEqualTo(first);
  }

  // ---- update ----

  @Test
  void updateChangesOnlyTheMaskedFields() {
    CustomField created = create(newId(), field(ValueType.TEXT));

    CustomField updated = update(created.toBuilder().setRequired(true).setDisplayName("ignored " + UUID.randomUUID()), "required");

    assertThat(updated.getRequired()).isTrue();
    assertThat(updated.getDisplayName()).isEqualTo(created.getDisplayName());
    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());
  }

  @Test
  void typeCannotChange() {
    CustomField created = create(newId(), field(ValueType.TEXT));

    StatusRuntimeException inMask = failure(() -> update(created.toBuilder().setValueType(ValueType.NUMBER), "value_type"));
    assertThat(code(inMask)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(inMask)).containsKey("update_mask");

    // An empty mask means "the fields set": a different type set there is a change too.
    StatusRuntimeException implicit =
        failure(() -> api.customFields().updateCustomField(
            UpdateCustomFieldRequest.newBuilder().setCustomField(created.toBuilder().setValueType(ValueType.NUMBER)).build()));
    assertThat(code(implicit)).isEqualTo(Status.Code.INVALID_ARGUMENT);

    StatusRuntimeException wildcard = failure(() -> update(created.toBuilder().setValueType(ValueType.DATE), "*"));
    assertThat(code(wildcard)).isEqualTo(Status.Code.INVALID_ARGUMENT);

    assertThat(get(created).getValueType()).isEqualTo(ValueType.TEXT);
  }

  @Test
  void readModifyWriteWithTheSameTypeIsFine() {
    CustomField created = create(newId(), field(ValueType.NUMBER));

    CustomField updated =
        api.customFields().updateCustomField(
            UpdateCustomFieldRequest.newBuilder().setCustomField(created.toBuilder().setDisplayName("Shoe size " + UUID.randomUUID())).build());

    assertThat(updated.getValueType()).isEqualTo(ValueType.NUMBER);
  }

  @Test
  void optionsCanBeAdded() {
    CustomField created = create(newId(), field(ValueType.SINGLE_CHOICE, "Red", "Blue"));

    CustomField updated = update(created.toBuilder().addOptions("Green"), "options");

    assertThat(updated.getOptionsList()).containsExactly("Red", "Blue", "Green");
  }

  @Test
  void optionHeldByACustomerCannotBeRemoved() {
    Store store = Store.create();
    String id = newId();
    CustomField created = store.define(id, field(ValueType.SINGLE_CHOICE, "Red", "Blue", "Green"));
    Customer customer = store.customerWith(id, choice("Blue"));

    StatusRuntimeException e =
        failure(() -> store.update(created.toBuilder().clearOptions().addOptions("Red").addOptions("Green"), "options"));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(e)).isEqualTo("RESOURCE_IN_USE");
    assertThat(e.getStatus().getDescription()).contains("1 customer");
    assertThat(store.get(created).getOptionsList()).containsExactly("Red", "Blue", "Green");
    assertThat(Customers.get(store.customers(), customer.getName()).getCustomFieldsMap()).containsEntry(id, choice("Blue"));
  }


  @Test
  void optionNobodyHoldsCanBeRemoved() {
    Store store = Store.create();
    String id = newId();
    CustomField created = store.define(id, field(ValueType.SINGLE_CHOICE, "Red", "Blue", "Green"));
    store.customerWith(id, choice("Red"));

    CustomField updated = store.update(created.toBuilder().clearOptions().addOptions("Red").addOptions("Blue"), "options");

    assertThat(updated.getOptionsList()).containsExactly("Red", "Blue");
  }


  @Test
  void optionsOfAChoiceFieldCannotBecomeEmpty() {
    CustomField created = create(newId(), field(ValueType.SINGLE_CHOICE, "Red"));
    StatusRuntimeException e = failure(() -> update(created.toBuilder().clearOptions(), "options"));
    assertThat(violations(e)).containsOnlyKeys("custom_field.options");
  }

  @Test
  void updateWithStaleEtagIsAborted() {
    CustomField created = create(newId(), field(ValueType.TEXT));
    update(created.toBuilder().setRequired(true), "required");

    StatusRuntimeException e = failure(() -> update(created.toBuilder().setRequired(false), "required"));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
    assertThat(reason(e)).isEqualTo("ETAG_MISMATCH");
  }

  // ---- delete ----

  @Test
  void fieldWithoutValuesIsDeleted() {
    CustomField created = create(newId(), field(ValueType.DATE));

    DeleteCustomFieldResponse response =
        api.customFields().deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()).build());

    assertThat(response.getAffectedCustomers()).isZero();
    assertThat(code(failure(() -> get(created)))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void fieldWithValuesNeedsForceAndThenTakesTheValuesWithIt() {
    Store store = Store.create();
    String id = newId();
    String keptId = newId();
    CustomField created = store.define(id, field(ValueType.NUMBER));
    store.define(keptId, field(ValueType.TEXT));
    Customer first =
        Customers.create(store.customers(), Customers.valid()
            .putCustomFields(id, CustomFieldValue.newBuilder().setNumberValue(38).build())
            .putCustomFields(keptId, CustomFieldValue.newBuilder().setTextValue("kept").build()));
    Customer second = store.customerWith(id, CustomFieldValue.newBuilder().setNumberValue(42).build());
    Customer without = Customers.create(store.customers(), Customers.valid());

    StatusRuntimeException e =
        failure(() -> store.fields().deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(created.getName()).build()));
    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(e)).isEqualTo("RESOURCE_IN_USE");
    assertThat(store.get(created)).isEqualTo(created);

    DeleteCustomFieldResponse response =
        store.fields().deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setForce(true).build());

    assertThat(response.getAffectedCustomers()).isEqualTo(2);
    Customer firstAfter = Customers.get(store.customers(), first.getName());
    assertThat(firstAfter.getCustomFieldsMap()).containsOnlyKeys(keptId);
    assertThat(firstAfter.getEtag()).isNotEqualTo(first.getEtag());
    assertThat(Customers.get(store.customers(), second.getName()).getCustomFieldsMap()).isEmpty();
    assertThat(Customers.get(store.customers(), without.getName())).isEqualTo(without);
    assertThat(code(failure(() -> store.get(created)))).isEqualTo(Status.Code.NOT_FOUND);
  }


  @Test
  void deleteWithStaleEtagIsAborted() {
    CustomField created = create(newId(), field(ValueType.TEXT));
    update(created.toBuilder().setRequired(true), "required");

    StatusRuntimeException e =
        failure(() -> api.customFields().deleteCustomField(
            DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
  }

  @Test
  void deletedFieldIdCanBeDefinedAgainWithAnotherType() {
    Store store = Store.create();
    String id = newId();
    CustomField created = store.define(id, field(ValueType.TEXT));
    store.customerWith(id, CustomFieldValue.newBuilder().setTextValue("old").build());
    store.fields().deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setForce(true).build());

    store.define(id, field(ValueType.NUMBER));

    Customer customer = store.customerWith(id, CustomFieldValue.newBuilder().setNumberValue(1).build());
    assertThat(customer.getCustomFieldsMap()).containsKey(id);
  }

  @Test
  void deleteWithSameRequestIdReturnsTheFirstAnswer() {
    Store store = Store.create();
    String id = newId();
    CustomField created = store.define(id, field(ValueType.TEXT));
    store.customerWith(id, CustomFieldValue.newBuilder().setTextValue("gone").build());
    DeleteCustomFieldRequest request =
        DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setForce(true).setRequestId(Customers.requestId()).build();

    DeleteCustomFieldResponse first = store.fields().deleteCustomField(request);
    DeleteCustomFieldResponse retry = store.fields().deleteCustomField(request);

    assertThat(first.getAffectedCustomers()).isEqualTo(1);
    assertThat(retry).as("the first answer, not NOT_FOUND").isEqualTo(first);
    assertThat(code(failure(() -> store.get(created)))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void deleteRepeatedAfterTheIdWasDefinedAgainLeavesTheNewField() {
    Store store = Store.create();
    String id = newId();
    CustomField old = store.define(id, field(ValueType.TEXT));
    DeleteCustomFieldRequest request =
        DeleteCustomFieldRequest.newBuilder().setName(old.getName()).setRequestId(Customers.requestId()).build();
    DeleteCustomFieldResponse first = store.fields().deleteCustomField(request);
    CustomField again = store.define(id, field(ValueType.NUMBER));

    DeleteCustomFieldResponse retry = store.fields().deleteCustomField(request);

    assertThat(retry).isEqualTo(first);
    assertThat(store.get(again)).as("the repeat deleted nothing").isEqualTo(again);
  }

  @Test
  void deleteWithSameRequestIdAndAnotherBodyIsRequestIdReused() {
    CustomField created = create(newId(), field(ValueType.TEXT));
    String requestId = Customers.requestId();
    api.customFields().deleteCustomField(DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setRequestId(requestId).build());

    StatusRuntimeException e =
        failure(() -> api.customFields().deleteCustomField(
            DeleteCustomFieldRequest.newBuilder().setName(created.getName()).setForce(true).setRequestId(requestId).build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("REQUEST_ID_REUSED");
    assertThat(violations(e)).containsOnlyKeys("request_id");
  }


  // ---- list ----

  @Test
  void listPagesThroughEveryFieldWithoutDuplicates() {
    CustomFieldServiceBlockingStub store = api.customFields(api.services().apiKeys().createTenant("Fields store", "CA").key());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      String id = "field_" + i;
      // Display names in reverse order of the ids, two of them equal but for case.
      create(store, id, CustomField.newBuilder().setDisplayName((i % 2 == 0 ? "label " : "Label ") + (9 - i)).setValueType(ValueType.TEXT));
      ids.add("customFields/" + id);
    }

    List<CustomField> listed = new ArrayList<>();
    String token = "";
    do {
      ListCustomFieldsResponse page = store.listCustomFields(ListCustomFieldsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      assertThat(page.getCustomFieldsCount()).isLessThanOrEqualTo(2);
      listed.addAll(page.getCustomFieldsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    assertThat(listed).extracting(CustomField::getName).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
    assertThat(listed).extracting(CustomField::getDisplayName).isSortedAccordingTo(String.CASE_INSENSITIVE_ORDER);
  }

  @Test
  void pageTokenOfAnotherStoreIsInvalidPageToken() {
    for (int i = 0; i < 2; i++) {
      create(newId(), field(ValueType.TEXT));
    }
    String token = api.customFields().listCustomFields(ListCustomFieldsRequest.newBuilder().setPageSize(1).build()).getNextPageToken();

    StatusRuntimeException e =
        failure(() -> api.customFields(api.tenantB().key())
            .listCustomFields(ListCustomFieldsRequest.newBuilder().setPageSize(1).setPageToken(token).build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
  }
}
