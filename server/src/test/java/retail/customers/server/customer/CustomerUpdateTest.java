package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.Address;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;
import retail.customers.v1.Source;
import retail.customers.v1.UpdateCustomerRequest;

/** UpdateCustomer: the update mask (AIP-134) decides what changes, the etag guards it (AIP-154). */
class CustomerUpdateTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Customer create(Customer.Builder customer) {
    return Customers.create(api.customers(), customer);
  }

  private static Customer update(Customer existing, Customer.Builder changes, String... paths) {
    return Customers.update(api.customers(), existing.getName(), changes, paths);
  }

  private static MarketingConsents.Builder emailConsent(ConsentState state) {
    return MarketingConsents.newBuilder().setEmail(MarketingConsent.newBuilder().setState(state));
  }

  private static void assertMaskRejected(StatusRuntimeException e) {
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_FIELDS");
    assertThat(violations(e)).containsOnlyKeys("update_mask");
  }

  @Test
  void onlyTheMaskedFieldsChange() {
    Customer created = create(Customers.valid().setCompany("Acme").setNotes("VIP"));

    Customer updated = update(created, Customer.newBuilder().setCompany("Globex").setNotes("not in the mask"), "company");

    assertThat(updated.getCompany()).isEqualTo("Globex");
    assertThat(updated.toBuilder().setCompany("Acme").clearEtag().clearUpdateTime().build())
        .isEqualTo(created.toBuilder().clearEtag().clearUpdateTime().build());
  }

  @Test
  void anUpdateOfOtherFieldsKeepsAStoredPhoneAsItIsAndAChangedOneIsChecked() {
    Customer created = create(Customers.minimal().setMobilePhone("(514) 555-0123"));
    // A number stored before today's rules (an old import): 555-0100 is no valid Canadian number.
    api.database().dsl().execute("update customer set mobile_phone = '+1555010' where id = ?::uuid",
        created.getName().substring("customers/".length()));
    Customer stored = api.customers().getCustomer(retail.customers.v1.GetCustomerRequest.newBuilder().setName(created.getName()).build());

    Customer updated = update(stored, Customer.newBuilder().setNotes("called back"), "notes");
    assertThat(updated.getMobilePhone()).isEqualTo("+1555010");
    assertThat(updated.getNotes()).isEqualTo("called back");

    StatusRuntimeException e = failure(() -> update(updated, Customer.newBuilder().setMobilePhone("+1555011"), "mobile_phone"));
    assertThat(violations(e)).containsOnlyKeys("customer.mobile_phone");
  }

  @Test
  void nestedAddressPathChangesOnlyThatAddressField() {
    Customer created = create(Customers.valid());

    Customer updated =
        update(created, Customer.newBuilder().setAddress(Address.newBuilder().setCity("Laval").setPostalCode("H7N 1A1")),
            "address.city");

    assertThat(updated.getAddress()).isEqualTo(created.getAddress().toBuilder().setCity("Laval").build());
  }

  @Test
  void nestedAddressPathCreatesTheAddressWhenThereWasNone() {
    Customer created = create(Customers.minimal());

    Customer updated = update(created, Customer.newBuilder().setAddress(Address.newBuilder().setCity("Laval")), "address.city");

    assertThat(updated.getAddress()).isEqualTo(Address.newBuilder().setCity("Laval").build());
  }

  @Test
  void changedPostalCodeIsValidatedAgainstTheStoredCountry() {
    Customer created = create(Customers.valid());

    StatusRuntimeException e =
        failure(() -> update(created, Customer.newBuilder().setAddress(Address.newBuilder().setPostalCode("75001")),
            "address.postal_code"));
    assertThat(violations(e)).containsOnlyKeys("customer.address.postal_code");

    Customer updated =
        update(created, Customer.newBuilder().setAddress(Address.newBuilder().setPostalCode("h7n1a1")), "address.postal_code");
    assertThat(updated.getAddress().getPostalCode()).isEqualTo("H7N 1A1");
  }

  @Test
  void nestedConsentPathChangesOnlyThatChannel() {
    Customer created =
        create(Customers.valid().setMarketingConsents(
            emailConsent(ConsentState.CONSENT_STATE_GRANTED)
                .setPhoneCall(MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_GRANTED))));

    Customer updated =
        update(created,
            Customer.newBuilder().setMarketingConsents(
                emailConsent(ConsentState.CONSENT_STATE_DENIED)
                    .setPhoneCall(MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_DENIED))),
            "marketing_consents.email");

    assertThat(updated.getMarketingConsents().getEmail().getState()).isEqualTo(ConsentState.CONSENT_STATE_DENIED);
    assertThat(updated.getMarketingConsents().getPhoneCall()).isEqualTo(created.getMarketingConsents().getPhoneCall());
  }

  @Test
  void maskedFieldLeftUnsetIsCleared() {
    Customer created = create(Customers.valid().setCompany("Acme").setDiscountPercent("10").addTags("Woman"));

    Customer updated = update(created, Customer.newBuilder(), "company", "discount_percent", "tags", "address");

    assertThat(updated.getCompany()).isEmpty();
    assertThat(updated.hasDiscountPercent()).isFalse();
    assertThat(updated.getTagsList()).isEmpty();
    assertThat(updated.hasAddress()).isFalse();
    assertThat(updated.getFirstName()).isEqualTo("Betty");
  }

  @Test
  void wildcardReplacesEveryWritableFieldAndKeepsTheSystemFields() {
    Customer created = create(Customers.valid().setCompany("Acme").setNotes("VIP").setSource(Source.SOURCE_REGISTER));

    Customer updated = update(created, Customer.newBuilder().setLastName("Jones"), "*");

    assertThat(updated.getLastName()).isEqualTo("Jones");
    assertThat(updated.getFirstName()).isEmpty();
    assertThat(updated.getCompany()).isEmpty();
    assertThat(updated.getNotes()).isEmpty();
    assertThat(updated.getEmail()).isEmpty();
    assertThat(updated.hasAddress()).isFalse();
    assertThat(updated.getName()).isEqualTo(created.getName());
    assertThat(updated.getCreateTime()).isEqualTo(created.getCreateTime());
    assertThat(updated.getSource()).isEqualTo(Source.SOURCE_REGISTER);
  }

  @Test
  void emptyMaskChangesTheFieldsSetInTheRequest() {
    Customer created = create(Customers.valid().setCompany("Acme"));

    Customer updated =
        api.customers().updateCustomer(
            UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag())
                    .setFirstName("Bettina").setDiscountPercent("5"))
                .build());

    assertThat(updated.getFirstName()).isEqualTo("Bettina");
    assertThat(updated.getDiscountPercent()).isEqualTo("5.00");
    assertThat(updated.getCompany()).isEqualTo("Acme");
    assertThat(updated.getLastName()).isEqualTo("Smith");
    assertThat(updated.getAddress()).isEqualTo(created.getAddress());
  }

  @Test
  void emptyMaskWithNothingSetIsRejected() {
    Customer created = create(Customers.valid());
    assertMaskRejected(failure(() -> api.customers().updateCustomer(
        UpdateCustomerRequest.newBuilder().setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag()))
            .build())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"name", "etag", "create_time", "update_time", "delete_time", "archived", "erase_time", "merged_into",
      "effective_discount_percent", "effective_discount_source", "effective_tax_class", "effective_tax_class_source"})
  void outputOnlyPathIsRejectedNamingTheMask(String path) {
    Customer created = create(Customers.valid());
    assertMaskRejected(failure(() -> update(created, Customer.newBuilder().setFirstName("X"), "first_name", path)));
    assertThat(Customers.get(api.customers(), created.getName()).getFirstName()).isEqualTo("Betty");
  }

  @Test
  void sourcePathIsRejectedNamingTheMask() {
    Customer created = create(Customers.valid());
    StatusRuntimeException e = failure(() -> update(created, Customer.newBuilder().setSource(Source.SOURCE_IMPORT), "source"));
    assertMaskRejected(e);
    assertThat(violations(e).get("update_mask")).contains("source");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nickname", "address.planet", "first_name.x", "marketing_consents.sms", "address.", ".address",
      "address..city", "custom_fields.", ""})
  void unknownPathIsRejectedNamingTheMask(String path) {
    Customer created = create(Customers.valid());
    assertMaskRejected(failure(() -> update(created, Customer.newBuilder().setFirstName("X"), path)));
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(created);
  }

  @Test
  void badValueOfAMaskedFieldIsNamedAndNothingChanges() {
    Customer created = create(Customers.valid());

    StatusRuntimeException e =
        failure(() -> update(created, Customer.newBuilder().setEmail("nope").setFirstName("Bettina"), "email", "first_name"));

    assertThat(violations(e)).containsOnlyKeys("customer.email");
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(created);
  }

  @Test
  void staleEtagIsAbortedAndCurrentEtagIsAccepted() {
    Customer created = create(Customers.valid());
    Customer changed = update(created, Customer.newBuilder().setCompany("Acme"), "company");

    StatusRuntimeException stale =
        failure(() -> api.customers().updateCustomer(
            UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag()).setLastName("Jones"))
                .setUpdateMask(Customers.mask("last_name"))
                .build()));
    assertThat(code(stale)).isEqualTo(Status.Code.ABORTED);
    assertThat(reason(stale)).isEqualTo("ETAG_MISMATCH");
    assertThat(Customers.get(api.customers(), created.getName()).getLastName()).isEqualTo("Smith");

    Customer updated =
        api.customers().updateCustomer(
            UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(changed.getEtag()).setLastName("Jones"))
                .setUpdateMask(Customers.mask("last_name"))
                .build());
    assertThat(updated.getLastName()).isEqualTo("Jones");
  }

  @Test
  void twoTerminalsUpdatingWithTheSameEtagAtOnceCannotBothWin() throws Exception {
    Customer created = create(Customers.valid());
    int terminals = 5;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(terminals);
    try {
      List<Future<String>> outcomes = new ArrayList<>();
      for (int i = 0; i < terminals; i++) {
        String notes = "terminal " + i;
        outcomes.add(pool.submit(() -> {
          start.await();
          try {
            api.customers().withDeadlineAfter(30, TimeUnit.SECONDS).updateCustomer(
                UpdateCustomerRequest.newBuilder()
                    .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag()).setNotes(notes))
                    .setUpdateMask(Customers.mask("notes"))
                    .build());
            return notes;
          } catch (StatusRuntimeException e) {
            assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
            assertThat(reason(e)).isEqualTo("ETAG_MISMATCH");
            return null;
          }
        }));
      }
      start.countDown();
      List<String> winners = new ArrayList<>();
      for (Future<String> outcome : outcomes) {
        String winner = outcome.get(60, TimeUnit.SECONDS);
        if (winner != null) {
          winners.add(winner);
        }
      }

      assertThat(winners).hasSize(1);
      assertThat(Customers.get(api.customers(), created.getName()).getNotes()).isEqualTo(winners.getFirst());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyUpdateChangesTheEtagAndMovesTheUpdateTime() throws InterruptedException {
    Customer created = create(Customers.valid());
    Thread.sleep(5);

    Customer updated = update(created, Customer.newBuilder().setCompany("Acme"), "company");

    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());
    assertThat(Timestamps.compare(updated.getUpdateTime(), created.getUpdateTime())).isPositive();
    assertThat(updated.getCreateTime()).isEqualTo(created.getCreateTime());
  }

  @Test
  void unknownCustomerIsNotFound() {
    StatusRuntimeException e =
        failure(() -> Customers.update(api.customers(), "customers/" + UUID.randomUUID(), Customer.newBuilder().setFirstName("X"),
            "first_name"));
    assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(reason(e)).isEqualTo("RESOURCE_NOT_FOUND");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "customers/", "customers/123", "customerTypes/0193a0d2-6c4e-7c1a-9d2e-3f4a5b6c7d8e"})
  void malformedNameIsInvalidNamingIt(String name) {
    StatusRuntimeException e =
        failure(() -> Customers.update(api.customers(), name, Customer.newBuilder().setFirstName("X"), "first_name"));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("customer.name");
  }

  @Test
  void externalReferenceTakenByAnotherCustomerIsAlreadyExists() {
    String reference = "shop-" + UUID.randomUUID();
    create(Customers.valid().setExternalReference(reference));

    StatusRuntimeException onCreate = failure(() -> create(Customers.valid().setExternalReference(reference)));
    assertThat(code(onCreate)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(reason(onCreate)).isEqualTo("ALREADY_EXISTS");
    assertThat(violations(onCreate)).containsOnlyKeys("customer.external_reference");

    Customer other = create(Customers.valid());
    StatusRuntimeException onUpdate =
        failure(() -> update(other, Customer.newBuilder().setExternalReference(reference), "external_reference"));
    assertThat(code(onUpdate)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(violations(onUpdate)).containsOnlyKeys("customer.external_reference");
  }

  @Test
  void externalReferenceIsFreeAgainOnceItsCustomerDropsIt() {
    String reference = "moved-" + UUID.randomUUID();
    Customer first = create(Customers.valid().setExternalReference(reference));
    update(first, Customer.newBuilder(), "external_reference");

    assertThat(create(Customers.valid().setExternalReference(reference)).getExternalReference()).isEqualTo(reference);
  }

  @Test
  void externalReferenceIsUniquePerStoreOnly() {
    String reference = "shared-" + UUID.randomUUID();
    create(Customers.valid().setExternalReference(reference));
    Customer inB = Customers.create(api.customers(api.tenantB().key()), Customers.minimal().setExternalReference(reference));
    assertThat(inB.getExternalReference()).isEqualTo(reference);
  }
}
