package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.metadata;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.Address;
import retail.customers.v1.ConsentState;
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomField.ValueType;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MergeCustomersRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.WatchCustomersRequest;

/** MergeCustomers: the survivor keeps the union of both, and the merged name resolves to it forever (SPEC 3). */
class MergeCustomersTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static int stores;

  private static ApiKeys.MintedKey newStore() {
    return api.services().apiKeys().createTenant("Merge store " + ++stores, "CA");
  }

  private static CustomerServiceBlockingStub customers(ApiKeys.MintedKey store) {
    return api.customers(store.key());
  }

  private static MergeCustomersRequest.Builder merge(Customer survivor, Customer merged) {
    return MergeCustomersRequest.newBuilder().setSurvivor(survivor.getName()).setMerged(merged.getName());
  }

  private static MarketingConsent consent(ConsentState state, long epochSecond) {
    return MarketingConsent.newBuilder().setState(state).setUpdateTime(Timestamps.fromSeconds(epochSecond)).build();
  }

  @Test
  void theSurvivorKeepsTheUnionOfBothAndTheirTags() {
    ApiKeys.MintedKey store = newStore();
    Customer survivor = Customers.create(customers(store),
        Customer.newBuilder().setFirstName("Betty").setLastName("Smith").setEmail("betty@example.com").addTags("VIP"));
    Customer merged = Customers.create(customers(store),
        Customer.newBuilder().setFirstName("Betty").setMobilePhone("+1 514 555 0111").setNotes("Size 38").addTags("vip").addTags("Runner")
            .setAddress(Address.newBuilder().setAddressLine1("2 rue Peel").setCity("Montréal").setPostalCode("H3A 1T1").setCountryCode("CA")));

    Customer result = customers(store).mergeCustomers(merge(survivor, merged).build());

    assertThat(result.getName()).isEqualTo(survivor.getName());
    assertThat(result.getLastName()).isEqualTo("Smith");
    assertThat(result.getEmail()).isEqualTo("betty@example.com");
    assertThat(result.getMobilePhone()).isEqualTo("+15145550111");
    assertThat(result.getNotes()).isEqualTo("Size 38");
    assertThat(result.getAddress().getCity()).isEqualTo("Montréal");
    assertThat(result.getTagsList()).containsExactly("VIP", "Runner");
    assertThat(result.getMergedCustomersList()).containsExactly(merged.getName());
  }

  @Test
  void aFieldSetOnBothTakesTheMoreRecentlyUpdatedUnlessTheRequestChooses() {
    ApiKeys.MintedKey store = newStore();
    Customer survivor = Customers.create(customers(store), Customer.newBuilder().setFirstName("Old").setLastName("Survivor").setCompany("Acme"));
    Customer merged = Customers.create(customers(store), Customer.newBuilder().setFirstName("New").setLastName("Merged").setCompany("Initech"));
    merged = Customers.update(customers(store), merged.getName(), Customer.newBuilder().setNotes("touched later"), "notes");

    Customer result = customers(store).mergeCustomers(merge(survivor, merged)
        .setPreferSurvivorFields(FieldMask.newBuilder().addPaths("last_name")).build());

    assertThat(result.getFirstName()).as("merged was updated more recently").isEqualTo("New");
    assertThat(result.getCompany()).isEqualTo("Initech");
    assertThat(result.getLastName()).as("chosen").isEqualTo("Survivor");

    Customer other = Customers.create(customers(store), Customer.newBuilder().setFirstName("Other").setCompany("Globex"));
    Customer survivorNow = Customers.update(customers(store), survivor.getName(), Customer.newBuilder().setNotes("newest"), "notes");
    Customer second = customers(store).mergeCustomers(merge(survivorNow, other)
        .setPreferMergedFields(FieldMask.newBuilder().addPaths("company")).build());
    assertThat(second.getFirstName()).as("survivor is newer now").isEqualTo("New");
    assertThat(second.getCompany()).as("chosen").isEqualTo("Globex");
  }

  @Test
  void eachConsentChannelTakesTheMoreRecentExplicitDecision() {
    ApiKeys.MintedKey store = newStore();
    Customer.Builder a = Customers.minimal();
    a.getMarketingConsentsBuilder().setEmail(consent(ConsentState.CONSENT_STATE_GRANTED, 1_600_000_000))
        .setPhoneCall(consent(ConsentState.CONSENT_STATE_DENIED, 1_700_000_000));
    Customer.Builder b = Customers.minimal();
    b.getMarketingConsentsBuilder().setEmail(consent(ConsentState.CONSENT_STATE_DENIED, 1_650_000_000))
        .setPostalMail(consent(ConsentState.CONSENT_STATE_GRANTED, 1_500_000_000))
        .setPhoneCall(consent(ConsentState.CONSENT_STATE_GRANTED, 1_600_000_000));
    Customer survivor = Customers.create(customers(store), a);
    Customer merged = Customers.create(customers(store), b);

    Customer result = customers(store).mergeCustomers(merge(survivor, merged).build());

    assertThat(result.getMarketingConsents().getEmail().getState()).isEqualTo(ConsentState.CONSENT_STATE_DENIED);
    assertThat(result.getMarketingConsents().getPostalMail().getState()).isEqualTo(ConsentState.CONSENT_STATE_GRANTED);
    assertThat(result.getMarketingConsents().getPhoneCall().getState()).isEqualTo(ConsentState.CONSENT_STATE_DENIED);
  }

  @Test
  void customFieldValuesFollowTheSameRuleOneByOne() {
    ApiKeys.MintedKey store = newStore();
    for (String id : List.of("nickname", "club", "locker")) {
      api.customFields(store.key()).createCustomField(CreateCustomFieldRequest.newBuilder().setCustomFieldId(id)
          .setCustomField(CustomField.newBuilder().setDisplayName(id).setValueType(ValueType.TEXT)).build());
    }
    Customer survivor = Customers.create(customers(store), Customers.minimal()
        .putCustomFields("nickname", text("Bee")).putCustomFields("club", text("Chess")));
    Customer merged = Customers.create(customers(store), Customers.minimal()
        .putCustomFields("nickname", text("Betty")).putCustomFields("club", text("Golf")).putCustomFields("locker", text("12")));

    Customer result = customers(store).mergeCustomers(merge(survivor, merged)
        .setPreferSurvivorFields(FieldMask.newBuilder().addPaths("custom_fields.club")).build());

    assertThat(result.getCustomFieldsMap()).containsEntry("nickname", text("Betty")) // merged is the newer
        .containsEntry("club", text("Chess")) // chosen
        .containsEntry("locker", text("12")); // set on one only
  }

  private static CustomFieldValue text(String value) {
    return CustomFieldValue.newBuilder().setTextValue(value).build();
  }

  @Test
  void bothEtagsAreCheckedAndAStaleOneChangesNothing() {
    ApiKeys.MintedKey store = newStore();
    Customer survivor = Customers.create(customers(store), Customers.minimal());
    Customer merged = Customers.create(customers(store), Customers.minimal().setNotes("keep"));
    Customers.update(customers(store), merged.getName(), Customer.newBuilder().setNotes("changed"), "notes");

    StatusRuntimeException staleMerged = failure(() -> customers(store).mergeCustomers(
        merge(survivor, merged).setSurvivorEtag(survivor.getEtag()).setMergedEtag(merged.getEtag()).build()));
    StatusRuntimeException staleSurvivor = failure(() -> customers(store).mergeCustomers(
        merge(survivor, merged).setSurvivorEtag("\"stale\"").build()));

    assertThat(code(staleMerged)).isEqualTo(Status.Code.ABORTED);
    assertThat(code(staleSurvivor)).isEqualTo(Status.Code.ABORTED);
    assertThat(Customers.get(customers(store), merged.getName()).getName()).as("not merged").isEqualTo(merged.getName());
  }

  @Test
  void aRepeatedRequestIdReplaysTheMergeOnce() {
    ApiKeys.MintedKey store = newStore();
    Customer survivor = Customers.create(customers(store), Customers.minimal());
    Customer merged = Customers.create(customers(store), Customers.minimal());
    MergeCustomersRequest request = merge(survivor, merged).setRequestId(UUID.randomUUID().toString()).build();
    try (Watcher watcher = Watcher.open(api.channel(), store.key(), WatchCustomersRequest.getDefaultInstance())) {
      Customer first = customers(store).mergeCustomers(request);
      Customer again = customers(store).mergeCustomers(request);

      assertThat(again).isEqualTo(first);
      List<CustomerEvent> events = watcher.take(1);
      assertThat(events.getFirst().getType()).isEqualTo(CustomerEvent.Type.MERGED);
      assertThat(events.getFirst().getCustomer().getName()).isEqualTo(survivor.getName());
      assertThat(events.getFirst().getMergedCustomer()).isEqualTo(merged.getName());
      assertThat(watcher.during(Duration.ofMillis(300))).as("one event: no UPDATED of the survivor").isEmpty();
    }
  }

  @Test
  void theMergedNameResolvesToTheSurvivorRefusesWritesAndLeavesSearchAndExport() {
    ApiKeys.MintedKey store = newStore();
    Customer survivor = Customers.create(customers(store), Customers.minimal().setLastName("Keeper"));
    Customer merged = Customers.create(customers(store), Customers.minimal().setLastName("Mergedaway"));
    customers(store).mergeCustomers(merge(survivor, merged).build());

    Customer read = Customers.get(customers(store), merged.getName());
    StatusRuntimeException write = failure(() ->
        Customers.update(customers(store), merged.getName(), Customer.newBuilder().setNotes("x"), "notes"));
    long exported = 0;
    for (var chunks = customers(store).exportCustomers(ExportCustomersRequest.getDefaultInstance()); chunks.hasNext(); ) {
      exported += chunks.next().getRowCount();
    }

    assertThat(read.getName()).isEqualTo(survivor.getName());
    assertThat(read.getMergedCustomersList()).containsExactly(merged.getName());
    assertThat(code(write)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(write)).isEqualTo("CUSTOMER_MERGED");
    assertThat(write.getStatus().getDescription()).contains(survivor.getName());
    assertThat(metadata(write)).containsEntry("survivor", survivor.getName());
    assertThat(customers(store).searchCustomers(SearchCustomersRequest.newBuilder().setShowDeleted(true).build()).getCustomersList())
        .extracting(Customer::getName).containsExactly(survivor.getName());
    assertThat(exported).as("the survivor alone").isEqualTo(1);
  }

  @Test
  void mergingIntoAMergedCustomerFollowsToTheFinalSurvivorAndACycleIsImpossible() {
    ApiKeys.MintedKey store = newStore();
    Customer a = Customers.create(customers(store), Customers.minimal().setFirstName("A"));
    Customer b = Customers.create(customers(store), Customers.minimal().setFirstName("B"));
    Customer c = Customers.create(customers(store), Customers.minimal().setFirstName("C"));
    customers(store).mergeCustomers(merge(b, a).build());
    Customer intoMerged = customers(store).mergeCustomers(merge(a, c).build());

    assertThat(intoMerged.getName()).as("a resolves to b").isEqualTo(b.getName());
    assertThat(intoMerged.getMergedCustomersList()).containsExactly(a.getName(), c.getName());
    StatusRuntimeException cycle = failure(() -> customers(store).mergeCustomers(merge(a, b).build()));
    assertThat(code(cycle)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    StatusRuntimeException again = failure(() -> customers(store).mergeCustomers(merge(b, c).build()));
    assertThat(reason(again)).isEqualTo("CUSTOMER_MERGED");
    assertThat(metadata(again)).containsEntry("survivor", b.getName());
  }

  @Test
  void badRequestsNameTheirFields() {
    ApiKeys.MintedKey store = newStore();
    Customer x = Customers.create(customers(store), Customers.minimal());

    StatusRuntimeException e = failure(() -> customers(store).mergeCustomers(MergeCustomersRequest.newBuilder()
        .setSurvivor("customers/nope").setMerged(x.getName())
        .setPreferMergedFields(FieldMask.newBuilder().addPaths("email").addPaths("etag"))
        .setPreferSurvivorFields(FieldMask.newBuilder().addPaths("email")).build()));
    StatusRuntimeException self = failure(() -> customers(store).mergeCustomers(merge(x, x).build()));
    StatusRuntimeException unknown = failure(() -> customers(store).mergeCustomers(MergeCustomersRequest.newBuilder()
        .setSurvivor(x.getName()).setMerged("customers/" + UUID.randomUUID()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("survivor", "prefer_merged_fields");
    assertThat(code(self)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(code(unknown)).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void erasingTheSurvivorErasesTheCustomersMergedIntoIt() {
    ApiKeys.MintedKey store = newStore();
    Customer survivor = Customers.create(customers(store), Customers.valid());
    Customer merged = Customers.create(customers(store), Customers.valid().setNotes("private note"));
    customers(store).mergeCustomers(merge(survivor, merged).build());

    customers(store).eraseCustomer(EraseCustomerRequest.newBuilder().setName(survivor.getName()).setReason("asked").build());

    var row = api.database().dsl().selectFrom(CUSTOMER)
        .where(CUSTOMER.TENANT_ID.eq(store.tenantId()), CUSTOMER.ID.eq(Customers.id(merged))).fetchSingle();
    assertThat(row.getFirstName()).isNull();
    assertThat(row.getNotes()).isNull();
    assertThat(row.getEmail()).isNull();
    assertThat(row.getEraseTime()).isNotNull();
  }
}
