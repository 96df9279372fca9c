package retail.customers.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static retail.customers.db.Tables.API_KEY;
import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.CUSTOM_FIELD;
import static retail.customers.db.Tables.TAX_CLASS;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.client.CustomersClient;
import retail.customers.client.CustomersException;
import retail.customers.client.RetrySettings;
import retail.customers.client.Values;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.auth.Scopes;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.ApiKey;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.CreateApiKeyResponse;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerView;
import retail.customers.v1.DeleteCustomerTypeRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.TaxClass;

/**
 * The SDK's calls for a store's set-up (customer types, tax classes, custom
 * fields, API keys) and BatchGetCustomers, against the real server on real
 * PostgreSQL: each call, its typed failures, and its retries.
 */
class CustomersClientAdminTest {
  /** Methods (bare names) whose next answer is dropped after the server has handled the call. */
  private static final Set<String> answersToDrop = ConcurrentHashMap.newKeySet();

  @RegisterExtension static final ApiServer api = ApiServer.withFaults(new ServerInterceptor() {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (!answersToDrop.remove(call.getMethodDescriptor().getBareMethodName())) {
        return next.startCall(call, headers);
      }
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendMessage(R message) {}

        @Override
        public void close(Status status, Metadata trailers) {
          super.close(status.isOk() ? Status.UNAVAILABLE.withDescription("answer lost") : status, trailers);
        }
      }, headers);
    }
  });

  @AfterEach
  void dropNoMoreAnswers() {
    answersToDrop.clear();
  }

  private static CustomersClient client(String key) {
    return CustomersClient.wrap(api.channel(), key, Duration.ofSeconds(30), RetrySettings.DEFAULT);
  }

  /** A client of a store of its own, so that each test's lists hold only what it made. */
  private static CustomersClient newStore(String name) {
    return client(api.services().apiKeys().createTenant(name, "CA").key());
  }

  @Test
  void customerTypesAreCreatedReadUpdatedAndDeleted() {
    CustomersClient store = newStore("Types store");
    TaxClass reduced = store.createTaxClass("Reduced", false);

    CustomerType student = store.createCustomerType("Student", new BigDecimal("12.5"), reduced.getName());
    CustomerType staff = store.createCustomerType(CustomerType.newBuilder().setDisplayName("Staff").build());
    CustomerType read = store.getCustomerType(student.getName());
    CustomerType updated = store.updateCustomerType(
        CustomerType.newBuilder().setName(student.getName()).setEtag(student.getEtag()).setDiscountPercent("15").build(), "discount_percent");
    Customer pupil = store.createCustomer(Customers.valid().setCustomerType(student.getName()).build());
    long moved = store.deleteCustomerType(student.getName(), staff.getName());
    long detached = store.deleteCustomerType(DeleteCustomerTypeRequest.newBuilder().setName(staff.getName())
        .setInUsePolicy(DeleteCustomerTypeRequest.InUsePolicy.DETACH_KEEP_PRICING).build());

    assertThat(Values.decimal(student.getDiscountPercent())).contains(new BigDecimal("12.50"));
    assertThat(student.getTaxClass()).isEqualTo(reduced.getName());
    assertThat(staff.hasDiscountPercent()).isFalse();
    assertThat(read).isEqualTo(student);
    assertThat(updated.getDiscountPercent()).isEqualTo("15.00");
    assertThat(updated.getTaxClass()).as("not in the mask: unchanged").isEqualTo(reduced.getName());
    assertThat(moved).isEqualTo(1);
    assertThat(detached).isEqualTo(1);
    assertThat(store.getCustomer(pupil.getName()).getCustomerType()).isEmpty();
    assertThat(store.listCustomerTypes()).isEmpty();
    store.deleteTaxClass(reduced.getName());
  }

  @Test
  void taxClassesAreCreatedReadUpdatedAndDeleted() {
    CustomersClient store = newStore("Tax store");

    TaxClass standard = store.createTaxClass("Standard", true);
    TaxClass exempt = store.createTaxClass(TaxClass.newBuilder().setDisplayName("Exempt").build());
    var defaultCannotGo = catchThrowableOfType(CustomersException.FailedPreconditionException.class,
        () -> store.deleteTaxClass(standard.getName()));
    TaxClass renamed = store.updateTaxClass(
        TaxClass.newBuilder().setName(exempt.getName()).setEtag(exempt.getEtag()).setDisplayName("Tax exempt").setIsDefault(true).build(),
        "display_name", "is_default");
    store.deleteTaxClass(standard.getName());

    assertThat(defaultCannotGo).as("the default cannot be deleted").isNotNull();
    assertThat(renamed.getDisplayName()).isEqualTo("Tax exempt");
    assertThat(store.getTaxClass(exempt.getName()).getIsDefault()).isTrue();
    assertThat(store.listTaxClasses()).extracting(TaxClass::getName).containsExactly(exempt.getName());
    assertThat(catchThrowableOfType(CustomersException.NotFoundException.class, () -> store.getTaxClass(standard.getName())))
        .isNotNull();
  }

  @Test
  void customFieldsAreCreatedReadUpdatedAndDeleted() {
    CustomersClient store = newStore("Fields store");

    CustomField colour = store.createCustomField("favourite_colour", "Favourite colour", CustomField.ValueType.SINGLE_CHOICE, "Red", "Blue");
    CustomField size = store.createCustomField("shoe_size",
        CustomField.newBuilder().setDisplayName("Shoe size").setValueType(CustomField.ValueType.NUMBER).build());
    CustomField read = store.getCustomField("customFields/shoe_size");
    CustomField moreColours = store.updateCustomField(colour.toBuilder().addOptions("Green").build(), "options");
    store.createCustomer(Customers.valid().putCustomFields("favourite_colour", CustomFieldValue.newBuilder().setChoiceValue("Green").build())
        .build());
    var inUse = catchThrowableOfType(CustomersException.FailedPreconditionException.class,
        () -> store.deleteCustomField(colour.getName(), false));
    long cleared = store.deleteCustomField(colour.getName(), true);
    long unused = store.deleteCustomField(size.getName(), false);

    assertThat(colour.getName()).isEqualTo("customFields/favourite_colour");
    assertThat(read).isEqualTo(size);
    assertThat(colour.getOptionsList()).containsExactly("Red", "Blue");
    assertThat(moreColours.getOptionsList()).containsExactly("Red", "Blue", "Green");
    assertThat(inUse).as("values exist and no force").isNotNull();
    assertThat(cleared).isEqualTo(1);
    assertThat(unused).isZero();
    assertThat(store.listCustomFields()).isEmpty();
  }

  @Test
  void invalidInputIsAnInvalidArgumentExceptionNamingTheField() {
    CustomersClient store = newStore("Invalid store");

    var type = catchThrowableOfType(CustomersException.InvalidArgumentException.class,
        () -> store.createCustomerType("Too generous", new BigDecimal("150"), null));
    var taxClass = catchThrowableOfType(CustomersException.InvalidArgumentException.class,
        () -> store.createTaxClass(" ", false));
    var field = catchThrowableOfType(CustomersException.InvalidArgumentException.class,
        () -> store.createCustomField("Shoe Size", "Shoe size", CustomField.ValueType.NUMBER));
    var key = catchThrowableOfType(CustomersException.InvalidArgumentException.class,
        () -> store.createApiKey("Till", List.of("customers.everything"), null));

    assertThat(type.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(type.violations()).extracting(CustomersException.FieldViolation::field).containsExactly("customer_type.discount_percent");
    assertThat(taxClass.violations()).extracting(CustomersException.FieldViolation::field).containsExactly("tax_class.display_name");
    assertThat(field.violations()).extracting(CustomersException.FieldViolation::field).containsExactly("custom_field_id");
    assertThat(key.violations()).extracting(CustomersException.FieldViolation::field).containsExactly("api_key.scopes[0]");
  }

  @Test
  void otherFailuresAreTypedToo() {
    ApiKeys.MintedKey shop = api.services().apiKeys().createTenant("Failures store", "CA");
    CustomersClient store = client(shop.key());
    CustomerType vip = store.createCustomerType("VIP", null, null);
    store.updateCustomerType(CustomerType.newBuilder().setName(vip.getName()).setDisplayName("V.I.P.").build(), "display_name");
    Customer member = store.createCustomer(Customers.valid().setCustomerType(vip.getName()).build());
    CustomersClient reader = client(store.createApiKey("Reader", List.of(Scopes.READ), null).getKey());

    var missing = catchThrowableOfType(CustomersException.NotFoundException.class,
        () -> store.getCustomerType("customerTypes/" + UUID.randomUUID()));
    var taken = catchThrowableOfType(CustomersException.ConflictException.class,
        () -> store.createCustomerType("v.i.p.", null, null));
    var stale = catchThrowableOfType(CustomersException.ConflictException.class,
        () -> store.updateCustomerType(vip.toBuilder().setDisplayName("Gold").build(), "display_name"));
    var inUse = catchThrowableOfType(CustomersException.FailedPreconditionException.class,
        () -> store.deleteCustomerType(vip.getName()));
    var denied = catchThrowableOfType(CustomersException.PermissionDeniedException.class,
        () -> reader.createTaxClass("Exempt", false));

    assertThat(missing).isNotNull();
    assertThat(taken.status().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(stale.status().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(stale.reason()).isEqualTo("ETAG_MISMATCH");
    assertThat(inUse).isNotNull();
    assertThat(denied.scope()).isEqualTo(Scopes.ADMIN);
    assertThat(reader.listCustomerTypes()).as("reading types needs only customers.read").hasSize(1);
    assertThat(store.getCustomer(member.getName()).getCustomerType()).isEqualTo(vip.getName());
  }

  @Test
  void writesWhoseAnswersAreLostAreRetriedWithTheirRequestIdAndDoneOnce() {
    ApiKeys.MintedKey shop = api.services().apiKeys().createTenant("Lost answers store", "CA");
    CustomersClient store = client(shop.key());
    TaxClass standard = store.createTaxClass("Standard", false);

    answersToDrop.add("CreateCustomerType");
    CustomerType type = store.createCustomerType("Retried", new BigDecimal("5"), null);
    answersToDrop.add("CreateCustomField");
    CustomField field = store.createCustomField("retried", "Retried", CustomField.ValueType.TEXT);
    answersToDrop.add("UpdateTaxClass");
    // With its etag: a retry without the first attempt's request id would be ABORTED, the first having changed it.
    TaxClass updated = store.updateTaxClass(standard.toBuilder().setIsDefault(true).build(), "is_default");

    assertThat(answersToDrop).as("every answer was dropped once").isEmpty();
    assertThat(api.database().dsl().fetchCount(CUSTOMER_TYPE, CUSTOMER_TYPE.TENANT_ID.eq(shop.tenantId()))).isEqualTo(1);
    assertThat(api.database().dsl().fetchCount(CUSTOM_FIELD, CUSTOM_FIELD.TENANT_ID.eq(shop.tenantId()))).isEqualTo(1);
    assertThat(store.getCustomerType(type.getName())).isEqualTo(type);
    assertThat(store.getCustomField(field.getName())).isEqualTo(field);
    assertThat(updated.getIsDefault()).isTrue();
  }

  @Test
  void deletesWhoseAnswersAreLostAreRetriedWithTheirRequestIdAndGiveTheFirstAnswer() {
    ApiKeys.MintedKey shop = api.services().apiKeys().createTenant("Lost deletes store", "CA");
    CustomersClient store = client(shop.key());
    TaxClass exempt = store.createTaxClass("Exempt", false);
    CustomerType old = store.createCustomerType("Old", new BigDecimal("5"), null);
    CustomerType successor = store.createCustomerType("New", null, null);
    CustomField colour = store.createCustomField("colour", "Colour", CustomField.ValueType.TEXT);
    Customer customer = store.createCustomer(Customers.valid().setCustomerType(old.getName())
        .putCustomFields("colour", CustomFieldValue.newBuilder().setTextValue("Red").build()).build());

    answersToDrop.add("DeleteCustomerType");
    long moved = store.deleteCustomerType(old.getName(), successor.getName());
    answersToDrop.add("DeleteCustomField");
    long cleared = store.deleteCustomField(colour.getName(), true);
    answersToDrop.add("DeleteTaxClass");
    store.deleteTaxClass(exempt.getName());

    assertThat(answersToDrop).as("every answer was dropped once").isEmpty();
    assertThat(moved).as("the first attempt's count, not NOT_FOUND").isEqualTo(1);
    assertThat(cleared).as("the first attempt's count, not NOT_FOUND").isEqualTo(1);
    assertThat(api.database().dsl().fetchCount(CUSTOMER_TYPE, CUSTOMER_TYPE.TENANT_ID.eq(shop.tenantId()))).isEqualTo(1);
    assertThat(api.database().dsl().fetchCount(CUSTOM_FIELD, CUSTOM_FIELD.TENANT_ID.eq(shop.tenantId()))).isZero();
    assertThat(api.database().dsl().fetchCount(TAX_CLASS, TAX_CLASS.TENANT_ID.eq(shop.tenantId()))).isZero();
    Customer after = store.getCustomer(customer.getName());
    assertThat(after.getCustomerType()).isEqualTo(successor.getName());
    assertThat(after.getCustomFieldsMap()).isEmpty();
  }

  @Test
  void apiKeysAreCreatedReadListedAndRevoked() {
    ApiKeys.MintedKey shop = api.services().apiKeys().createTenant("Keys store", "CA");
    CustomersClient store = client(shop.key());
    Instant expires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

    CreateApiKeyResponse till = store.createApiKey("Till 3", List.of(Scopes.READ, Scopes.WRITE), expires);
    ApiKey read = store.getApiKey(till.getApiKey().getName());
    List<ApiKey> live = list(store.listApiKeys());
    Customer madeByTill = client(till.getKey()).createCustomer(Customers.valid().build());
    ApiKey revoked = store.revokeApiKey(read.getName());
    ApiKey revokedAgain = store.revokeApiKey(read.getName());
    var afterRevoke = catchThrowableOfType(CustomersException.UnauthenticatedException.class,
        () -> client(till.getKey()).getCustomer(madeByTill.getName()));

    assertThat(till.getKey()).startsWith("ck_").startsWith(till.getApiKey().getKeyPrefix());
    assertThat(read.getScopesList()).containsExactly(Scopes.READ, Scopes.WRITE);
    assertThat(Values.instant(read.getExpireTime())).isEqualTo(expires);
    assertThat(live).extracting(ApiKey::getName).contains(read.getName());
    assertThat(revoked.hasRevokeTime()).isTrue();
    assertThat(revokedAgain.getRevokeTime()).as("revoking again changes nothing").isEqualTo(revoked.getRevokeTime());
    assertThat(afterRevoke).isNotNull();
    assertThat(list(store.listApiKeys())).extracting(ApiKey::getName).doesNotContain(read.getName());
    assertThat(list(store.listApiKeys(true))).extracting(ApiKey::getName).contains(read.getName());
  }

  @Test
  void aKeyCreationWhoseAnswerIsLostIsNotRetriedSoNoSecondKeyIsMade() {
    ApiKeys.MintedKey shop = api.services().apiKeys().createTenant("One key store", "CA");
    CustomersClient store = client(shop.key());
    int before = api.database().dsl().fetchCount(API_KEY, API_KEY.TENANT_ID.eq(shop.tenantId()));

    answersToDrop.add("CreateApiKey");
    var lost = catchThrowableOfType(CustomersException.UnavailableException.class,
        () -> store.createApiKey("Lost", List.of(Scopes.READ), null));

    assertThat(lost).isNotNull();
    assertThat(api.database().dsl().fetchCount(API_KEY, API_KEY.TENANT_ID.eq(shop.tenantId()))).isEqualTo(before + 1);
  }

  @Test
  void batchGetGivesAResultPerNameInOrderAndGetTakesAView() {
    CustomersClient store = newStore("Batch get store");
    Customer first = store.createCustomer(Customers.valid().setLastName("First").build());
    Customer second = store.createCustomer(Customers.valid().setLastName("Second").build());
    String unknown = "customers/" + UUID.randomUUID();

    List<CustomerResult> results = store.batchGetCustomers(List.of(second.getName(), unknown, first.getName(), "nonsense"));
    List<CustomerResult> register = store.batchGetCustomers(BatchGetCustomersRequest.newBuilder().addNames(first.getName())
        .setView(CustomerView.CUSTOMER_VIEW_REGISTER).build());
    Customer atTheTill = store.getCustomer(GetCustomerRequest.newBuilder().setName(first.getName())
        .setView(CustomerView.CUSTOMER_VIEW_REGISTER).build());
    var empty = catchThrowableOfType(CustomersException.InvalidArgumentException.class, () -> store.batchGetCustomers(List.of()));

    assertThat(results).extracting(r -> r.hasCustomer() ? r.getCustomer().getLastName() : Status.fromCodeValue(r.getError().getCode()).getCode())
        .containsExactly("Second", Status.Code.NOT_FOUND, "First", Status.Code.INVALID_ARGUMENT);
    assertThat(register).singleElement().satisfies(r -> assertThat(r.getCustomer().getEmail()).isEmpty());
    assertThat(atTheTill.getLastName()).isEqualTo("First");
    assertThat(atTheTill.getEmail()).as("not in the register's view").isEmpty();
    assertThat(empty).isNotNull();
  }

  private static <T> List<T> list(Iterable<T> items) {
    List<T> list = new java.util.ArrayList<>();
    items.forEach(list::add);
    return list;
  }
}
