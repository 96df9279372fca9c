package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violationsOf;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.BatchCreateCustomersResponse;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.BatchGetCustomersResponse;
import retail.customers.v1.BatchUpdateCustomersRequest;
import retail.customers.v1.BatchUpdateCustomersResponse;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.CustomerView;
import retail.customers.v1.UpdateCustomerRequest;

/** Batches of up to 1,000: a result per item, in order; one bad item does not sink the others. */
class CustomerBatchTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static Customer create(Customer.Builder customer) {
    return Customers.create(api.customers(), customer);
  }

  private static CreateCustomerRequest createItem(Customer.Builder customer) {
    return CreateCustomerRequest.newBuilder().setCustomer(customer).build();
  }

  private static UpdateCustomerRequest updateItem(Customer.Builder changes, String... paths) {
    return UpdateCustomerRequest.newBuilder().setCustomer(changes).setUpdateMask(Customers.mask(paths)).build();
  }

  private static String errorReason(CustomerResult result) {
    assertThat(result.hasError()).as("result %s should be an error", result).isTrue();
    return result.getError().getDetailsList().stream()
        .filter(d -> d.is(ErrorInfo.class))
        .map(d -> {
          try {
            return d.unpack(ErrorInfo.class).getReason();
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
          }
        })
        .findFirst()
        .orElseThrow();
  }

  private static Status.Code errorCode(CustomerResult result) {
    return Status.fromCodeValue(result.getError().getCode()).getCode();
  }

  /** Batches written item by item so far, for the reason ("repeats" or "failure"). */
  private static double itemByItem(String reason) {
    return api.services().metrics().counter("customers.batches.item_by_item", "reason", reason).count();
  }

  private static int rowsWithReferencePrefix(String prefix) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.startsWith(prefix));
  }

  // ---- get ----

  @Test
  void batchGetAnswersEachNameInOrder() {
    Customer first = create(Customers.valid().setFirstName("First"));
    Customer second = create(Customers.valid().setFirstName("Second"));
    Customer ofB = Customers.create(api.customers(api.tenantB().key()), Customers.minimal());
    String unknown = "customers/" + UUID.randomUUID();

    BatchGetCustomersResponse response =
        api.customers().batchGetCustomers(
            BatchGetCustomersRequest.newBuilder()
                .addNames(second.getName())
                .addNames(unknown)
                .addNames("not-a-name")
                .addNames(first.getName())
                .addNames(ofB.getName())
                .addNames(second.getName())
                .build());

    List<CustomerResult> results = response.getResultsList();
    assertThat(results).hasSize(6);
    assertThat(results.get(0).getCustomer()).isEqualTo(second);
    assertThat(errorCode(results.get(1))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(errorReason(results.get(1))).isEqualTo("RESOURCE_NOT_FOUND");
    assertThat(errorCode(results.get(2))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violationsOf(results.get(2).getError())).containsOnlyKeys("names[2]");
    assertThat(results.get(3).getCustomer()).isEqualTo(first);
    assertThat(errorCode(results.get(4))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(results.get(5).getCustomer()).isEqualTo(second);
  }

  @Test
  void batchGetHonoursTheView() {
    Customer created = create(Customers.valid().setTitle("Dr."));

    BatchGetCustomersResponse response =
        api.customers().batchGetCustomers(
            BatchGetCustomersRequest.newBuilder().addNames(created.getName()).setView(CustomerView.CUSTOMER_VIEW_REGISTER).build());

    Customer register = response.getResults(0).getCustomer();
    assertThat(register.getTitle()).isEmpty();
    assertThat(register.getFirstName()).isEqualTo("Betty");
    assertThat(register.hasCreateTime()).isFalse();
  }

  @Test
  void batchGetOfAThousandNamesIsAccepted() {
    Customer created = create(Customers.valid());
    List<String> names = new ArrayList<>(Collections.nCopies(999, "customers/" + UUID.randomUUID()));
    names.add(created.getName());

    BatchGetCustomersResponse response =
        api.customers().batchGetCustomers(BatchGetCustomersRequest.newBuilder().addAllNames(names).build());

    assertThat(response.getResultsCount()).isEqualTo(1000);
    assertThat(response.getResults(999).getCustomer()).isEqualTo(created);
  }

  // ---- create ----

  @Test
  void batchCreateStoresTheGoodItemsAndReportsTheBadOnesInOrder() {
    String prefix = "batch-" + UUID.randomUUID() + "-";

    BatchCreateCustomersResponse response =
        api.customers().batchCreateCustomers(
            BatchCreateCustomersRequest.newBuilder()
                .addRequests(createItem(Customers.valid().setExternalReference(prefix + 1)))
                .addRequests(createItem(Customers.valid().setExternalReference(prefix + 2).setEmail("not an email")))
                .addRequests(createItem(Customers.valid().setExternalReference(prefix + 3)))
                .build());

    List<CustomerResult> results = response.getResultsList();
    assertThat(results).hasSize(3);
    assertThat(results.get(0).getCustomer().getExternalReference()).isEqualTo(prefix + 1);
    assertThat(errorCode(results.get(1))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(errorReason(results.get(1))).isEqualTo("INVALID_FIELDS");
    assertThat(violationsOf(results.get(1).getError())).containsOnlyKeys("customer.email");
    assertThat(results.get(2).getCustomer().getExternalReference()).isEqualTo(prefix + 3);
    assertThat(rowsWithReferencePrefix(prefix)).isEqualTo(2);
    assertThat(Customers.get(api.customers(), results.get(2).getCustomer().getName())).isEqualTo(results.get(2).getCustomer());
  }

  @Test
  void itemFailingInTheDatabaseIsRolledBackAloneAndTheOthersStay() {
    String prefix = "dup-" + UUID.randomUUID() + "-";

    // The second item's unique violation happens in PostgreSQL, after the first item was written in the
    // same transaction: only its own savepoint may be rolled back.
    BatchCreateCustomersResponse response =
        api.customers().batchCreateCustomers(
            BatchCreateCustomersRequest.newBuilder()
                .addRequests(createItem(Customers.valid().setExternalReference(prefix + "a")))
                .addRequests(createItem(Customers.valid().setExternalReference(prefix + "a")))
                .addRequests(createItem(Customers.valid().setExternalReference(prefix + "b")))
                .build());

    List<CustomerResult> results = response.getResultsList();
    assertThat(results.get(0).hasCustomer()).isTrue();
    assertThat(errorCode(results.get(1))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(violationsOf(results.get(1).getError())).containsOnlyKeys("customer.external_reference");
    assertThat(results.get(2).hasCustomer()).isTrue();
    assertThat(rowsWithReferencePrefix(prefix)).isEqualTo(2);
  }

  @Test
  void batchCreateItemsAreIdempotentByTheirOwnRequestIds() {
    String prefix = "idem-batch-" + UUID.randomUUID() + "-";
    BatchCreateCustomersRequest request =
        BatchCreateCustomersRequest.newBuilder()
            .addRequests(createItem(Customers.valid().setExternalReference(prefix + 1)).toBuilder().setRequestId(Customers.requestId()))
            .addRequests(createItem(Customers.valid().setExternalReference(prefix + 2)).toBuilder().setRequestId(Customers.requestId()))
            .build();

    BatchCreateCustomersResponse first = api.customers().batchCreateCustomers(request);
    BatchCreateCustomersResponse retry = api.customers().batchCreateCustomers(request);

    assertThat(retry).isEqualTo(first);
    assertThat(rowsWithReferencePrefix(prefix)).isEqualTo(2);
  }

  @Test
  void aThousandCreatesMixingAnswersInvalidItemsAndDifferentFieldsAreEachAnsweredAsTheirOwnCall() {
    String prefix = "bulk-" + UUID.randomUUID() + "-";
    CreateCustomerRequest answeredBefore =
        createItem(Customers.valid().setExternalReference(prefix + "before")).toBuilder().setRequestId(Customers.requestId()).build();
    Customer before = api.customers().createCustomer(answeredBefore);
    BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder().addRequests(answeredBefore);
    for (int i = 1; i < 1000; i++) {
      Customer.Builder customer = Customers.valid().setExternalReference(prefix + i);
      if (i % 3 == 0) {
        customer.setEmail("person" + i + "@example.com").addTags("vip");
      } else if (i % 3 == 1) {
        customer.clearLastName().setCompany("Company " + i);
      }
      if (i % 100 == 7) {
        customer.setEmail("not an email " + i);
      }
      CreateCustomerRequest.Builder item = createItem(customer).toBuilder();
      if (i % 2 == 0) {
        item.setRequestId(Customers.requestId());
      }
      batch.addRequests(item);
    }

    double failuresBefore = itemByItem("failure");
    double repeatsBefore = itemByItem("repeats");
    List<CustomerResult> results = api.customers().batchCreateCustomers(batch.build()).getResultsList();

    assertThat(itemByItem("failure") + itemByItem("repeats")).as("written at once").isEqualTo(failuresBefore + repeatsBefore);
    assertThat(results).hasSize(1000);
    assertThat(results.getFirst().getCustomer()).as("the stored answer").isEqualTo(before);
    for (int i = 1; i < 1000; i++) {
      CustomerResult result = results.get(i);
      if (i % 100 == 7) {
        assertThat(violationsOf(result.getError())).containsOnlyKeys("customer.email");
      } else {
        assertThat(result.getCustomer().getExternalReference()).isEqualTo(prefix + i);
        assertThat(result.getCustomer()).isEqualTo(Customers.get(api.customers(), result.getCustomer().getName()));
      }
    }
    assertThat(rowsWithReferencePrefix(prefix)).isEqualTo(1 + 999 - 10);

    // The retry: items with request ids get their answers; the others are new
    // creates whose external references are taken, which fails in the
    // database and sends the batch item by item.
    List<CustomerResult> retried = api.customers().batchCreateCustomers(batch.build()).getResultsList();
    assertThat(itemByItem("failure")).isEqualTo(failuresBefore + 1);
    for (int i = 0; i < 1000; i++) {
      if (i % 100 == 7) {
        assertThat(errorCode(retried.get(i))).isEqualTo(Status.Code.INVALID_ARGUMENT);
      } else if (i % 2 == 0) {
        assertThat(retried.get(i)).as("item %d", i).isEqualTo(results.get(i));
      } else {
        assertThat(errorCode(retried.get(i))).as("item %d", i).isEqualTo(Status.Code.ALREADY_EXISTS);
      }
    }
    assertThat(rowsWithReferencePrefix(prefix)).isEqualTo(1 + 999 - 10);
  }

  @Test
  void aBatchStoresEveryKindOfValueAsASingleCreateDoes() {
    // Texts that JSON escapes, a date, a decimal, tags, an explicit consent.
    Customer.Builder full = Customers.valid()
        .setTitle("Dr.").setCompany("\"Quoted\" \\ Backslash & Co").setWorkPhone("+33 1 42 68 53 00").setWebsite("https://example.com/a?b=c")
        .setSecondaryEmail("second@example.com").setCustomIdentifier("Ünïcödé ✓ 𝄞").setNotes("line one\nline \"two\"\ttabbed")
        .setBirthDate(com.google.type.Date.newBuilder().setYear(1979).setMonth(12).setDay(31)).setDiscountPercent("12.5")
        .addTags("vip").addTags("Été 2026")
        .setMarketingConsents(retail.customers.v1.MarketingConsents.newBuilder()
            .setEmail(retail.customers.v1.MarketingConsent.newBuilder().setState(retail.customers.v1.ConsentState.CONSENT_STATE_GRANTED)));
    Customer single = create(full);
    Customer batched = api.customers().batchCreateCustomers(BatchCreateCustomersRequest.newBuilder()
        .addRequests(createItem(full)).addRequests(createItem(Customers.minimal())).build()).getResults(0).getCustomer();

    assertThat(withoutIdentity(batched)).isEqualTo(withoutIdentity(single));
    assertThat(batched).isEqualTo(Customers.get(api.customers(), batched.getName()));
  }

  /** The customer without what differs between two creates of it: its name and times. */
  private static Customer withoutIdentity(Customer customer) {
    Customer.Builder b = customer.toBuilder().clearName().clearCreateTime().clearUpdateTime();
    b.getMarketingConsentsBuilder().getEmailBuilder().clearUpdateTime();
    return b.build();
  }

  @Test
  void aRequestIdRepeatedInOneBatchIsWrittenOnceAndTheRepeatGetsItsAnswer() {
    String prefix = "repeat-" + UUID.randomUUID() + "-";
    CreateCustomerRequest item =
        createItem(Customers.valid().setExternalReference(prefix + 1)).toBuilder().setRequestId(Customers.requestId()).build();

    double repeatsBefore = itemByItem("repeats");
    List<CustomerResult> results =
        api.customers().batchCreateCustomers(BatchCreateCustomersRequest.newBuilder().addRequests(item).addRequests(item).build())
            .getResultsList();

    assertThat(itemByItem("repeats")).isEqualTo(repeatsBefore + 1);
    assertThat(results.get(1).getCustomer()).isEqualTo(results.get(0).getCustomer());
    assertThat(rowsWithReferencePrefix(prefix)).isEqualTo(1);
  }

  // ---- update ----

  @Test
  void batchUpdateAppliesTheGoodItemsAndReportsTheBadOnesInOrder() {
    Customer a = create(Customers.valid());
    Customer b = create(Customers.valid());
    Customer c = create(Customers.valid());
    Customers.update(api.customers(), b.getName(), Customer.newBuilder().setCompany("Changed"), "company");

    BatchUpdateCustomersResponse response =
        api.customers().batchUpdateCustomers(
            BatchUpdateCustomersRequest.newBuilder()
                .addRequests(updateItem(Customer.newBuilder().setName(a.getName()).setNotes("A"), "notes"))
                .addRequests(updateItem(Customer.newBuilder().setName(b.getName()).setEtag(b.getEtag()).setNotes("B"), "notes"))
                .addRequests(updateItem(Customer.newBuilder().setName("customers/" + UUID.randomUUID()).setNotes("?"), "notes"))
                .addRequests(updateItem(Customer.newBuilder().setName(c.getName()).setHomePhone("123"), "home_phone"))
                .addRequests(updateItem(Customer.newBuilder().setName(c.getName()).setNotes("C"), "notes"))
                .build());

    List<CustomerResult> results = response.getResultsList();
    assertThat(results).hasSize(5);
    assertThat(results.get(0).getCustomer().getNotes()).isEqualTo("A");
    assertThat(errorCode(results.get(1))).isEqualTo(Status.Code.ABORTED);
    assertThat(errorReason(results.get(1))).isEqualTo("ETAG_MISMATCH");
    assertThat(errorCode(results.get(2))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(violationsOf(results.get(3).getError())).containsOnlyKeys("customer.home_phone");
    assertThat(results.get(4).getCustomer().getNotes()).isEqualTo("C");

    assertThat(Customers.get(api.customers(), a.getName()).getNotes()).isEqualTo("A");
    assertThat(Customers.get(api.customers(), b.getName()).getNotes()).isEmpty();
    assertThat(Customers.get(api.customers(), c.getName()).getNotes()).isEqualTo("C");
    assertThat(Customers.get(api.customers(), c.getName()).getHomePhone()).isEqualTo("+15145550123");
  }

  @Test
  void aThousandUpdatesOfDistinctCustomersAreEachAnsweredAsTheirOwnCallAndReplayed() {
    BatchCreateCustomersRequest.Builder creates = BatchCreateCustomersRequest.newBuilder();
    for (int i = 0; i < 1000; i++) {
      creates.addRequests(createItem(Customers.valid()));
    }
    List<Customer> customers =
        api.customers().batchCreateCustomers(creates.build()).getResultsList().stream().map(CustomerResult::getCustomer).toList();
    Customer stale = Customers.update(api.customers(), customers.get(5).getName(), Customer.newBuilder().setCompany("Changed"), "company");
    BatchUpdateCustomersRequest.Builder batch = BatchUpdateCustomersRequest.newBuilder();
    for (int i = 0; i < 1000; i++) {
      Customer.Builder changes = Customer.newBuilder().setName(customers.get(i).getName());
      UpdateCustomerRequest.Builder item;
      if (i == 5) {
        item = updateItem(changes.setEtag(customers.get(i).getEtag()).setNotes("stale"), "notes").toBuilder();
      } else if (i % 100 == 9) {
        item = updateItem(changes.setEmail("not an email"), "email").toBuilder();
      } else if (i % 3 == 0) {
        item = updateItem(changes.setNotes("note " + i).setCompany("Company " + i), "notes", "company").toBuilder();
      } else {
        item = updateItem(changes.setEtag(customers.get(i).getEtag()).setNotes("note " + i), "notes").toBuilder();
      }
      if (i % 2 == 0) {
        item.setRequestId(Customers.requestId());
      }
      batch.addRequests(item);
    }
    batch.setRequests(999, updateItem(Customer.newBuilder().setName("customers/" + UUID.randomUUID()).setNotes("?"), "notes"));

    double itemByItemBefore = itemByItem("failure") + itemByItem("repeats");
    List<CustomerResult> results = api.customers().batchUpdateCustomers(batch.build()).getResultsList();

    assertThat(itemByItem("failure") + itemByItem("repeats")).as("written at once").isEqualTo(itemByItemBefore);
    assertThat(errorReason(results.get(5))).isEqualTo("ETAG_MISMATCH");
    assertThat(errorCode(results.get(999))).isEqualTo(Status.Code.NOT_FOUND);
    for (int i = 0; i < 999; i++) {
      if (i == 5) {
        continue;
      }
      if (i % 100 == 9) {
        assertThat(violationsOf(results.get(i).getError())).containsOnlyKeys("customer.email");
        continue;
      }
      Customer updated = results.get(i).getCustomer();
      assertThat(updated.getNotes()).isEqualTo("note " + i);
      assertThat(updated.getCompany()).isEqualTo(i % 3 == 0 ? "Company " + i : customers.get(i).getCompany());
      assertThat(updated.getEtag()).isNotEqualTo(customers.get(i).getEtag());
      assertThat(updated).isEqualTo(Customers.get(api.customers(), updated.getName()));
    }
    assertThat(Customers.get(api.customers(), stale.getName())).isEqualTo(stale);

    // The retry: the items with request ids get their first answers; those
    // without are applied again, their etags now stale where they had one.
    List<CustomerResult> retried = api.customers().batchUpdateCustomers(batch.build()).getResultsList();
    assertThat(itemByItem("failure") + itemByItem("repeats")).as("retried at once too").isEqualTo(itemByItemBefore);
    for (int i = 0; i < 999; i++) {
      if (i % 2 == 0 && i % 100 != 9) {
        assertThat(retried.get(i)).as("item %d", i).isEqualTo(results.get(i));
      } else if (i % 100 != 9 && i % 3 != 0) {
        assertThat(errorReason(retried.get(i))).as("item %d", i).isEqualTo("ETAG_MISMATCH");
      }
    }
  }

  @Test
  void batchUpdateCannotReachAnotherStoresCustomer() {
    Customer ofB = Customers.create(api.customers(api.tenantB().key()), Customers.minimal());

    BatchUpdateCustomersResponse response =
        api.customers().batchUpdateCustomers(
            BatchUpdateCustomersRequest.newBuilder()
                .addRequests(updateItem(Customer.newBuilder().setName(ofB.getName()).setNotes("hijacked"), "notes"))
                .build());

    assertThat(errorCode(response.getResults(0))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(Customers.get(api.customers(api.tenantB().key()), ofB.getName()).getNotes()).isEmpty();
  }

  // ---- sizes ----

  @Test
  void emptyBatchesAreInvalid() {
    assertEmptyBatch(failure(() -> api.customers().batchGetCustomers(BatchGetCustomersRequest.getDefaultInstance())), "names");
    assertEmptyBatch(
        failure(() -> api.customers().batchCreateCustomers(BatchCreateCustomersRequest.getDefaultInstance())), "requests");
    assertEmptyBatch(
        failure(() -> api.customers().batchUpdateCustomers(BatchUpdateCustomersRequest.getDefaultInstance())), "requests");
  }

  private static void assertEmptyBatch(StatusRuntimeException e, String field) {
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_FIELDS");
    assertThat(retail.customers.server.testing.Errors.violations(e)).containsOnlyKeys(field);
  }

  @Test
  void batchesOverAThousandItemsAreResourceExhaustedAndWriteNothing() {
    String prefix = "too-many-" + UUID.randomUUID() + "-";
    BatchCreateCustomersRequest.Builder creates = BatchCreateCustomersRequest.newBuilder();
    BatchUpdateCustomersRequest.Builder updates = BatchUpdateCustomersRequest.newBuilder();
    BatchGetCustomersRequest.Builder gets = BatchGetCustomersRequest.newBuilder();
    for (int i = 0; i < 1001; i++) {
      creates.addRequests(createItem(Customers.minimal().setExternalReference(prefix + i)));
      updates.addRequests(updateItem(Customer.newBuilder().setName("customers/" + UUID.randomUUID()).setNotes("x"), "notes"));
      gets.addNames("customers/" + UUID.randomUUID());
    }

    assertTooMany(failure(() -> api.customers().batchCreateCustomers(creates.build())));
    assertTooMany(failure(() -> api.customers().batchUpdateCustomers(updates.build())));
    assertTooMany(failure(() -> api.customers().batchGetCustomers(gets.build())));
    assertThat(rowsWithReferencePrefix(prefix)).isZero();
  }

  private static void assertTooMany(StatusRuntimeException e) {
    assertThat(code(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(reason(e)).isEqualTo("LIMIT_EXCEEDED");
  }
}
