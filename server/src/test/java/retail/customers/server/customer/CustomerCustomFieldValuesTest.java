package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.type.Date;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
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

/**
 * Custom field values on customers, checked against the definitions made with
 * CustomFieldService. Tenant A has one optional field of each type; tenant B
 * has a required field, so that the required rules do not touch A's tests.
 */
class CustomerCustomFieldValuesTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static CustomerServiceBlockingStub b;

  @BeforeAll
  static void defineFields() {
    define(api.customFields(), "nickname", ValueType.TEXT, false);
    define(api.customFields(), "shoe_size", ValueType.NUMBER, false);
    define(api.customFields(), "paper_catalogue", ValueType.BOOLEAN, false);
    define(api.customFields(), "anniversary", ValueType.DATE, false);
    define(api.customFields(), "favourite_colour", ValueType.SINGLE_CHOICE, false, "Red", "Blue");
    define(api.customFields(api.tenantB().key()), "member_number", ValueType.TEXT, true);
    define(api.customFields(api.tenantB().key()), "shoe_size", ValueType.NUMBER, false);
    b = api.customers(api.tenantB().key());
  }

  private static void define(CustomFieldServiceBlockingStub stub, String id, ValueType type, boolean required, String... options) {
    stub.createCustomField(
        CreateCustomFieldRequest.newBuilder()
            .setCustomFieldId(id)
            .setCustomField(
                CustomField.newBuilder()
                    .setDisplayName(id.replace('_', ' '))
                    .setValueType(type)
                    .setRequired(required)
                    .addAllOptions(java.util.List.of(options)))
            .build());
  }

  private static CustomFieldValue text(String value) {
    return CustomFieldValue.newBuilder().setTextValue(value).build();
  }

  private static CustomFieldValue number(double value) {
    return CustomFieldValue.newBuilder().setNumberValue(value).build();
  }

  private static CustomFieldValue bool(boolean value) {
    return CustomFieldValue.newBuilder().setBooleanValue(value).build();
  }

  private static CustomFieldValue date(int year, int month, int day) {
    return CustomFieldValue.newBuilder().setDateValue(Date.newBuilder().setYear(year).setMonth(month).setDay(day)).build();
  }

  private static CustomFieldValue choice(String value) {
    return CustomFieldValue.newBuilder().setChoiceValue(value).build();
  }

  private static void assertRejected(CustomerServiceBlockingStub stub, Customer.Builder customer, String... fields) {
    StatusRuntimeException e = failure(() -> Customers.create(stub, customer));
    assertInvalid(e, fields);
  }

  private static void assertInvalid(StatusRuntimeException e, String... fields) {
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_FIELDS");
    assertThat(violations(e)).as(e.getStatus().getDescription()).containsOnlyKeys(fields);
  }

  @Test
  void validValueOfEachTypeRoundTrips() {
    Map<String, CustomFieldValue> values =
        Map.of(
            "nickname", text("Bee"),
            "shoe_size", number(38.5),
            "paper_catalogue", bool(true),
            "anniversary", date(2019, 3, 14),
            "favourite_colour", choice("Blue"));

    Customer created = Customers.create(api.customers(), Customers.valid().putAllCustomFields(values));

    assertThat(created.getCustomFieldsMap()).isEqualTo(values);
    assertThat(Customers.get(api.customers(), created.getName()).getCustomFieldsMap()).isEqualTo(values);
  }

  @Test
  void falseAndZeroAreValuesNotAbsence() {
    Map<String, CustomFieldValue> values = Map.of("paper_catalogue", bool(false), "shoe_size", number(0));
    Customer created = Customers.create(api.customers(), Customers.valid().putAllCustomFields(values));
    assertThat(Customers.get(api.customers(), created.getName()).getCustomFieldsMap()).isEqualTo(values);
  }

  @Test
  void textValueIsTrimmed() {
    Customer created = Customers.create(api.customers(), Customers.valid().putCustomFields("nickname", text("  Bee ")));
    assertThat(created.getCustomFieldsMap()).containsEntry("nickname", text("Bee"));
  }

  @Test
  void blankTextIsNoValue() {
    Customer created = Customers.create(api.customers(), Customers.valid().putCustomFields("nickname", text("   ")));
    assertThat(created.getCustomFieldsMap()).doesNotContainKey("nickname");
  }

  @Test
  void valueOfTheWrongTypeIsRejected() {
    assertRejected(api.customers(), Customers.valid().putCustomFields("shoe_size", text("38")), "customer.custom_fields.shoe_size");
    assertRejected(api.customers(), Customers.valid().putCustomFields("nickname", number(1)), "customer.custom_fields.nickname");
    assertRejected(api.customers(), Customers.valid().putCustomFields("paper_catalogue", text("yes")),
        "customer.custom_fields.paper_catalogue");
    assertRejected(api.customers(), Customers.valid().putCustomFields("anniversary", text("2019-03-14")),
        "customer.custom_fields.anniversary");
    assertRejected(api.customers(), Customers.valid().putCustomFields("favourite_colour", text("Red")),
        "customer.custom_fields.favourite_colour");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Green", "red", "Red ", ""})
  void choiceNotAmongTheOptionsIsRejected(String value) {
    assertRejected(api.customers(), Customers.valid().putCustomFields("favourite_colour", choice(value)),
        "customer.custom_fields.favourite_colour");
  }

  @Test
  void numberThatIsNotFiniteIsRejected() {
    assertRejected(api.customers(), Customers.valid().putCustomFields("shoe_size", number(Double.NaN)),
        "customer.custom_fields.shoe_size");
    assertRejected(api.customers(), Customers.valid().putCustomFields("shoe_size", number(Double.POSITIVE_INFINITY)),
        "customer.custom_fields.shoe_size");
  }

  @Test
  void dateThatIsNotAFullRealDateIsRejected() {
    assertRejected(api.customers(), Customers.valid().putCustomFields("anniversary", date(2019, 2, 30)),
        "customer.custom_fields.anniversary");
    assertRejected(api.customers(), Customers.valid().putCustomFields("anniversary", date(0, 3, 14)),
        "customer.custom_fields.anniversary");
  }

  @Test
  void textOver1000CharactersIsRejected() {
    Customers.create(api.customers(), Customers.valid().putCustomFields("nickname", text("n".repeat(1000))));
    assertRejected(api.customers(), Customers.valid().putCustomFields("nickname", text("n".repeat(1001))),
        "customer.custom_fields.nickname");
  }

  @Test
  void textWithControlCharactersIsRejected() {
    // A NUL cannot even be stored in PostgreSQL's jsonb: it must be refused as bad input, not fail inside.
    assertRejected(api.customers(), Customers.valid().putCustomFields("nickname", text("B\u0000ee")),
        "customer.custom_fields.nickname");
    assertRejected(api.customers(), Customers.valid().putCustomFields("nickname", text("B\u0007ee")),
        "customer.custom_fields.nickname");
  }

  @Test
  void unknownFieldIdIsRejected() {
    assertRejected(api.customers(), Customers.valid().putCustomFields("eye_colour", text("green")),
        "customer.custom_fields.eye_colour");
    // Another store's field is unknown here.
    assertRejected(api.customers(), Customers.valid().putCustomFields("member_number", text("M-1")),
        "customer.custom_fields.member_number");
  }

  @Test
  void everyBadValueIsReportedAtOnce() {
    assertRejected(
        api.customers(),
        Customers.valid()
            .putCustomFields("shoe_size", text("big"))
            .putCustomFields("favourite_colour", choice("Green"))
            .putCustomFields("eye_colour", text("green")),
        "customer.custom_fields.shoe_size", "customer.custom_fields.favourite_colour", "customer.custom_fields.eye_colour");
  }

  // ---- updates ----

  @Test
  void updateOfOneFieldKeepsTheOthers() {
    Customer created =
        Customers.create(api.customers(),
            Customers.valid().putCustomFields("nickname", text("Bee")).putCustomFields("shoe_size", number(38)));

    Customer updated =
        Customers.update(api.customers(), created.getName(),
            Customer.newBuilder().putCustomFields("shoe_size", number(39)).putCustomFields("nickname", text("ignored")),
            "custom_fields.shoe_size");

    assertThat(updated.getCustomFieldsMap()).isEqualTo(Map.of("nickname", text("Bee"), "shoe_size", number(39)));
  }

  @Test
  void maskedFieldWithoutValueIsRemoved() {
    Customer created =
        Customers.create(api.customers(),
            Customers.valid().putCustomFields("nickname", text("Bee")).putCustomFields("shoe_size", number(38)));

    Customer updated = Customers.update(api.customers(), created.getName(), Customer.newBuilder(), "custom_fields.nickname");

    assertThat(updated.getCustomFieldsMap()).isEqualTo(Map.of("shoe_size", number(38)));
  }

  @Test
  void wholeMapInTheMaskReplacesEveryValue() {
    Customer created =
        Customers.create(api.customers(),
            Customers.valid().putCustomFields("nickname", text("Bee")).putCustomFields("shoe_size", number(38)));

    Customer updated =
        Customers.update(api.customers(), created.getName(),
            Customer.newBuilder().putCustomFields("paper_catalogue", bool(true)), "custom_fields");

    assertThat(updated.getCustomFieldsMap()).isEqualTo(Map.of("paper_catalogue", bool(true)));
  }

  @Test
  void badValueOnUpdateIsRejectedAndNothingChanges() {
    Customer created = Customers.create(api.customers(), Customers.valid().putCustomFields("shoe_size", number(38)));

    StatusRuntimeException e =
        failure(() -> Customers.update(api.customers(), created.getName(),
            Customer.newBuilder().putCustomFields("shoe_size", text("39")), "custom_fields.shoe_size"));

    assertInvalid(e, "customer.custom_fields.shoe_size");
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(created);
  }

  // ---- required fields (tenant B) ----

  @Test
  void requiredFieldMissingOnCreateIsRejected() {
    assertRejected(b, Customers.minimal(), "customer.custom_fields.member_number");
    assertRejected(b, Customers.minimal().putCustomFields("shoe_size", number(40)), "customer.custom_fields.member_number");
    assertThat(Customers.create(b, Customers.minimal().putCustomFields("member_number", text("M-1"))).getCustomFieldsMap())
        .containsEntry("member_number", text("M-1"));
  }

  @Test
  void requiredTextOfOnlySpacesCountsAsMissing() {
    // Strings are trimmed and an empty string means "not set" (customer.proto): blanks are no value.
    assertRejected(b, Customers.minimal().putCustomFields("member_number", text("   ")), "customer.custom_fields.member_number");
  }

  @Test
  void requiredFieldRemovedOnUpdateIsRejected() {
    Customer created = Customers.create(b, Customers.minimal().putCustomFields("member_number", text("M-2")));

    assertInvalid(
        failure(() -> Customers.update(b, created.getName(), Customer.newBuilder(), "custom_fields.member_number")),
        "customer.custom_fields.member_number");
    assertInvalid(
        failure(() -> Customers.update(b, created.getName(), Customer.newBuilder().putCustomFields("shoe_size", number(40)),
            "custom_fields")),
        "customer.custom_fields.member_number");
    assertThat(Customers.get(b, created.getName()).getCustomFieldsMap()).containsEntry("member_number", text("M-2"));
  }

  @Test
  void updateThatDoesNotTouchCustomFieldsIgnoresTheRequiredRule() {
    Customer created = Customers.create(b, Customers.minimal().putCustomFields("member_number", text("M-3")));

    Customer updated = Customers.update(b, created.getName(), Customer.newBuilder().setFirstName("Anna"), "first_name");
    assertThat(updated.getFirstName()).isEqualTo("Anna");

    Customer other =
        Customers.update(b, created.getName(), Customer.newBuilder().putCustomFields("shoe_size", number(41)),
            "custom_fields.shoe_size");
    assertThat(other.getCustomFieldsMap()).isEqualTo(Map.of("member_number", text("M-3"), "shoe_size", number(41)));
  }
}
