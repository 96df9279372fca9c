package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.AUDIT_EVENT;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.db.Tables.IDEMPOTENT_REQUEST;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.Timestamp;
import com.google.type.Date;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import retail.customers.db.tables.records.AuditEventRecord;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.ConsentState;
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerType;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;
import retail.customers.v1.Source;
import retail.customers.v1.TaxClass;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/** Archive and restore (soft delete, AIP-164), and the privacy erasure that keeps only the id. */
class CustomerArchiveAndEraseTest {
  static final TestClock clock = new TestClock();
  @RegisterExtension static final ApiServer api = new ApiServer(clock);

  private static CustomerType vip;
  private static TaxClass exempt;

  @BeforeAll
  static void pricingAndFields() {
    exempt = api.taxClasses().createTaxClass(
        CreateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setDisplayName("Exempt")).build());
    vip = api.customerTypes().createCustomerType(
        CreateCustomerTypeRequest.newBuilder().setCustomerType(CustomerType.newBuilder().setDisplayName("VIP")).build());
    api.customFields().createCustomField(
        CreateCustomFieldRequest.newBuilder()
            .setCustomFieldId("shoe_size")
            .setCustomField(CustomField.newBuilder().setDisplayName("Shoe size").setValueType(CustomField.ValueType.NUMBER))
            .build());
  }

  private static Customer create(Customer.Builder customer) {
    return Customers.create(api.customers(), customer);
  }

  private static Customer archive(Customer customer) {
    return api.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(customer.getName()).build());
  }

  private static Customer restore(Customer customer) {
    return api.customers().undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(customer.getName()).build());
  }

  private static EraseCustomerRequest.Builder erasure(Customer customer) {
    return EraseCustomerRequest.newBuilder().setName(customer.getName()).setReason("GDPR request #1234");
  }

  private static Customer erase(Customer customer) {
    return api.customers().eraseCustomer(erasure(customer).build());
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  /** A customer with every writable field set. */
  private static Customer.Builder everything() {
    return Customers.valid()
        .setTitle("Dr.")
        .setCompany("Acme")
        .setCompanyRegistrationNumber("123456789")
        .setVatNumber("CA123456789RT0001")
        .setBirthDate(Date.newBuilder().setYear(1980).setMonth(5).setDay(17))
        .setWorkPhone("514 555 0101")
        .setMobilePhone("514 555 0102")
        .setPager("514 555 0103")
        .setFax("514 555 0104")
        .setWebsite("example.com")
        .setSecondaryEmail("betty@work.example.com")
        .setCustomerType(vip.getName())
        .setDiscountPercent("10")
        .setTaxClass(exempt.getName())
        .setCustomIdentifier("LOYAL-0001")
        .setExternalReference("shop-" + UUID.randomUUID())
        .addTags("Woman")
        .setMarketingConsents(
            MarketingConsents.newBuilder()
                .setEmail(MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_GRANTED))
                .setPostalMail(MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_DENIED))
                .setPhoneCall(MarketingConsent.newBuilder().setState(ConsentState.CONSENT_STATE_GRANTED)))
        .putCustomFields("shoe_size", CustomFieldValue.newBuilder().setNumberValue(38).build())
        .setNotes("Check-up due March 2019")
        .setSource(Source.SOURCE_REGISTER);
  }

  // ---- archive and restore ----

  @Test
  void archiveKeepsTheCustomerReadableAndRestoreBringsItBack() {
    Customer created = create(Customers.valid());
    clock.advance(Duration.ofMinutes(1));

    Customer archived = archive(created);
    assertThat(archived.getArchived()).isTrue();
    assertThat(archived.getDeleteTime()).isEqualTo(timestamp(clock.instant()));
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(archived);

    Customer restored = restore(created);
    assertThat(restored.getArchived()).isFalse();
    assertThat(restored.hasDeleteTime()).isFalse();
    assertThat(restored.getFirstName()).isEqualTo("Betty");
  }

  @Test
  void archivingAnArchivedCustomerReturnsItUnchanged() {
    Customer archived = archive(create(Customers.valid()));
    clock.advance(Duration.ofMinutes(1));

    assertThat(archive(archived)).isEqualTo(archived);
  }

  @Test
  void restoringAnActiveCustomerReturnsItUnchanged() {
    Customer created = create(Customers.valid());
    assertThat(restore(created)).isEqualTo(created);
  }

  @Test
  void archiveWithStaleEtagIsAborted() {
    Customer created = create(Customers.valid());
    Customers.update(api.customers(), created.getName(), Customer.newBuilder().setCompany("Acme"), "company");

    StatusRuntimeException e =
        failure(() -> api.customers().deleteCustomer(
            DeleteCustomerRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
    assertThat(reason(e)).isEqualTo("ETAG_MISMATCH");
    assertThat(Customers.get(api.customers(), created.getName()).getArchived()).isFalse();
  }

  @Test
  void archivedCustomerCanStillBeUpdated() {
    Customer archived = archive(create(Customers.valid()));
    Customer updated = Customers.update(api.customers(), archived.getName(), Customer.newBuilder().setCompany("Acme"), "company");
    assertThat(updated.getCompany()).isEqualTo("Acme");
    assertThat(updated.getArchived()).isTrue();
  }

  @Test
  void archiveOfUnknownCustomerIsNotFound() {
    StatusRuntimeException e =
        failure(() -> api.customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName("customers/" + UUID.randomUUID()).build()));
    assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
  }

  // ---- erase ----

  @Test
  void eraseRemovesEveryPersonalFieldAndKeepsTheId() {
    Customer created = create(everything());
    clock.advance(Duration.ofMinutes(1));

    Customer erased = erase(created);

    assertThat(erased.getName()).isEqualTo(created.getName());
    assertThat(erased.getEraseTime()).isEqualTo(timestamp(clock.instant()));
    assertThat(erased.getArchived()).isTrue();
    assertThat(erased.getCreateTime()).isEqualTo(created.getCreateTime());
    assertThat(erased.getSource()).isEqualTo(Source.SOURCE_REGISTER);
    // Nothing but system fields is left: compare with an empty customer carrying only those.
    Customer systemFieldsOnly =
        Customer.newBuilder()
            .setName(erased.getName())
            .setCreateTime(erased.getCreateTime())
            .setUpdateTime(erased.getUpdateTime())
            .setDeleteTime(erased.getDeleteTime())
            .setArchived(true)
            .setEraseTime(erased.getEraseTime())
            .setEtag(erased.getEtag())
            .setSource(Source.SOURCE_REGISTER)
            .setEffectiveTaxClassSource(erased.getEffectiveTaxClassSource())
            .setEffectiveTaxClass(erased.getEffectiveTaxClass())
            .build();
    assertThat(erased).isEqualTo(systemFieldsOnly);
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(erased);
  }

  @Test
  void eraseLeavesNoPersonalDataInTheRow() {
    Customer created = create(everything());

    erase(created);

    CustomerRecord row =
        api.database().dsl().selectFrom(CUSTOMER)
            .where(CUSTOMER.TENANT_ID.eq(api.tenantA().tenantId()), CUSTOMER.ID.eq(Customers.id(created)))
            .fetchSingle();
    // The search columns are derived by PostgreSQL: they hold what a customer
    // without data gives ("1" is the sort key of a missing name).
    List<String> kept =
        List.of("tenant_id", "id", "version", "source", "tags", "custom_fields", "create_time", "update_time", "delete_time",
            "erase_time", "search_text", "sort_last_name", "sort_first_name", "sort_company", "tag_keys");
    for (org.jooq.Field<?> field : row.fields()) {
      if (!kept.contains(field.getName())) {
        assertThat(row.get(field)).as(field.getName()).isNull();
      }
    }
    assertThat(row.getTags()).isEmpty();
    assertThat(row.getTagKeys()).isEmpty();
    assertThat(row.getCustomFields().data()).isEqualTo("{}");
    assertThat(row.getSearchText()).isEmpty();
    assertThat(List.of(row.getSortLastName(), row.getSortFirstName(), row.getSortCompany())).containsOnly("1");
  }

  @Test
  void eraseIsWrittenToTheAuditTrail() {
    Customer created = create(everything());

    erase(created);

    List<AuditEventRecord> events =
        api.database().dsl().selectFrom(AUDIT_EVENT)
            .where(AUDIT_EVENT.TENANT_ID.eq(api.tenantA().tenantId()), AUDIT_EVENT.RESOURCE.eq(created.getName()))
            .fetch();
    assertThat(events).hasSize(1);
    AuditEventRecord event = events.getFirst();
    assertThat(event.getAction()).isEqualTo("CUSTOMER_ERASED");
    assertThat(event.getApiKeyId()).isEqualTo(api.tenantA().keyId());
    assertThat(event.getDetails().data()).contains("GDPR request #1234");
    // The trail outlives the data: it must not copy any of it.
    assertThat(event.getDetails().data()).doesNotContain("Betty", "Smith", "example.com", "555");
  }

  @Test
  void eraseForgetsTheStoredAnswersThatHeldTheCustomerData() {
    String createId = Customers.requestId();
    String updateId = Customers.requestId();
    String ensureId = Customers.requestId();
    String reference = "ensure-" + UUID.randomUUID();
    Customer created =
        api.customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(everything()).setRequestId(createId).build());
    api.customers().updateCustomer(
        UpdateCustomerRequest.newBuilder()
            .setCustomer(Customer.newBuilder().setName(created.getName()).setNotes("Allergic to latex"))
            .setUpdateMask(Customers.mask("notes"))
            .setRequestId(updateId)
            .build());
    Customer ensured =
        api.customers().ensureCustomer(
            EnsureCustomerRequest.newBuilder()
                .setCustomer(Customers.valid().setExternalReference(reference))
                .setRequestId(ensureId)
                .build())
            .getCustomer();
    String otherId = Customers.requestId();
    api.customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(Customers.valid()).setRequestId(otherId).build());

    erase(created);
    erase(ensured);

    List<UUID> left =
        api.database().dsl().select(IDEMPOTENT_REQUEST.REQUEST_ID).from(IDEMPOTENT_REQUEST)
            .where(IDEMPOTENT_REQUEST.TENANT_ID.eq(api.tenantA().tenantId()))
            .fetch(IDEMPOTENT_REQUEST.REQUEST_ID);
    assertThat(left).doesNotContain(UUID.fromString(createId), UUID.fromString(updateId), UUID.fromString(ensureId));
    assertThat(left).contains(UUID.fromString(otherId));
  }

  @Test
  void erasedCustomerCanNoLongerChange() {
    Customer erased = erase(create(everything()));

    List<Executable> writes =
        List.of(
            () -> Customers.update(api.customers(), erased.getName(), Customer.newBuilder().setFirstName("Betty"), "first_name"),
            () -> archive(erased),
            () -> restore(erased),
            () -> erase(erased));
    for (Executable write : writes) {
      StatusRuntimeException e = failure(write::execute);
      assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(reason(e)).isEqualTo("CUSTOMER_ERASED");
    }
    assertThat(Customers.get(api.customers(), erased.getName())).isEqualTo(erased);
  }

  @Test
  void erasedCustomerNoLongerCountsForItsType() {
    Customer created = create(Customers.valid().setCustomerType(vip.getName()));
    long before = api.customerTypes().getCustomerType(
        retail.customers.v1.GetCustomerTypeRequest.newBuilder().setName(vip.getName()).build()).getCustomerCount();

    erase(created);

    assertThat(api.customerTypes().getCustomerType(
        retail.customers.v1.GetCustomerTypeRequest.newBuilder().setName(vip.getName()).build()).getCustomerCount())
        .isEqualTo(before - 1);
  }

  @Test
  void externalReferenceOfAnErasedCustomerIsFreeAgain() {
    Customer created = create(everything());
    erase(created);

    Customer again = create(Customers.valid().setExternalReference(created.getExternalReference()));
    assertThat(again.getName()).isNotEqualTo(created.getName());
  }

  @Test
  void eraseNeedsAReason() {
    Customer created = create(Customers.valid());

    for (String reason : List.of("", "   ", "r".repeat(501))) {
      StatusRuntimeException e = failure(() -> api.customers().eraseCustomer(erasure(created).setReason(reason).build()));
      assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(violations(e)).containsOnlyKeys("reason");
    }
    assertThat(Customers.get(api.customers(), created.getName()).hasEraseTime()).isFalse();
  }

  @Test
  void eraseWithStaleEtagIsAborted() {
    Customer created = create(Customers.valid());
    Customers.update(api.customers(), created.getName(), Customer.newBuilder().setCompany("Acme"), "company");

    StatusRuntimeException e = failure(() -> api.customers().eraseCustomer(erasure(created).setEtag(created.getEtag()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
    assertThat(Customers.get(api.customers(), created.getName()).getFirstName()).isEqualTo("Betty");
    assertThat(api.database().dsl().fetchCount(AUDIT_EVENT, AUDIT_EVENT.RESOURCE.eq(created.getName()))).isZero();
  }

  @Test
  void eraseOfAnArchivedCustomerKeepsItsArchiveTime() {
    Customer archived = archive(create(Customers.valid()));
    clock.advance(Duration.ofMinutes(5));

    Customer erased = erase(archived);

    assertThat(erased.getDeleteTime()).isEqualTo(archived.getDeleteTime());
    assertThat(erased.getEraseTime()).isNotEqualTo(archived.getDeleteTime());
  }
}
