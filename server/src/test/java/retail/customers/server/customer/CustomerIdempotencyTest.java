package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

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
import retail.customers.v1.CreateCustomFieldRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CustomField;
import retail.customers.v1.Customer;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/** request_id (AIP-155): a retried write returns the first answer and writes nothing more. */
class CustomerIdempotencyTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** A valid customer that only this test uses, recognisable in the database by its external reference. */
  private static Customer.Builder tagged(String reference) {
    return Customers.valid().setExternalReference(reference);
  }

  private static CreateCustomerRequest createRequest(Customer.Builder customer, String requestId) {
    return CreateCustomerRequest.newBuilder().setCustomer(customer).setRequestId(requestId).build();
  }

  private static int rowsWithReference(String reference) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.eq(reference));
  }

  @Test
  void createWithSameRequestIdReturnsFirstCustomer() {
    String reference = "idem-" + UUID.randomUUID();
    CreateCustomerRequest request = createRequest(tagged(reference), Customers.requestId());

    Customer first = api.customers().createCustomer(request);
    Customer retry = api.customers().createCustomer(request);

    assertThat(retry).isEqualTo(first);
    assertThat(rowsWithReference(reference)).isEqualTo(1);
  }

  @Test
  void retryGetsItsFirstAnswerEvenWhenTheRulesChangedSince() {
    // A store of its own: the field made required below must not affect the other tests.
    String key = api.services().apiKeys().createTenant("Rules change", "CA").key();
    CreateCustomerRequest request = createRequest(Customers.valid(), Customers.requestId());
    Customer first = api.customers(key).createCustomer(request);
    api.customFields(key).createCustomField(CreateCustomFieldRequest.newBuilder()
        .setCustomFieldId("member_since")
        .setCustomField(CustomField.newBuilder().setDisplayName("Member since").setValueType(CustomField.ValueType.DATE).setRequired(true))
        .build());

    Customer retry = api.customers(key).createCustomer(request);

    assertThat(retry).isEqualTo(first);
    StatusRuntimeException fresh = failure(() -> api.customers(key).createCustomer(createRequest(Customers.valid(), Customers.requestId())));
    assertThat(violations(fresh)).containsKey("customer.custom_fields.member_since");
  }

  @Test
  void createWithoutRequestIdCreatesEachTime() {
    Customer.Builder customer = Customers.valid().setCustomIdentifier("no-request-id-" + UUID.randomUUID());
    Customer first = Customers.create(api.customers(), customer);
    Customer second = Customers.create(api.customers(), customer);
    assertThat(second.getName()).isNotEqualTo(first.getName());
  }

  @Test
  void retryReturnsTheFirstAnswerEvenAfterTheCustomerChanged() {
    CreateCustomerRequest request = createRequest(Customers.valid(), Customers.requestId());
    Customer first = api.customers().createCustomer(request);
    Customers.update(api.customers(), first.getName(), Customer.newBuilder().setFirstName("Bettina"), "first_name");

    Customer retry = api.customers().createCustomer(request);

    assertThat(retry).isEqualTo(first);
    assertThat(Customers.get(api.customers(), first.getName()).getFirstName()).isEqualTo("Bettina");
  }

  @Test
  void sameRequestIdWithADifferentBodyIsRequestIdReused() {
    String requestId = Customers.requestId();
    String reference = "reused-" + UUID.randomUUID();
    api.customers().createCustomer(createRequest(tagged(reference), requestId));

    StatusRuntimeException e =
        failure(() -> api.customers().createCustomer(createRequest(tagged(reference).setFirstName("Other"), requestId)));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("REQUEST_ID_REUSED");
    assertThat(violations(e)).containsOnlyKeys("request_id");
    assertThat(rowsWithReference(reference)).isEqualTo(1);
  }

  @Test
  void sameRequestIdForAnotherMethodIsRequestIdReused() {
    String requestId = Customers.requestId();
    Customer created = api.customers().createCustomer(createRequest(Customers.valid(), requestId));

    StatusRuntimeException e =
        failure(() -> api.customers().updateCustomer(
            UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(created.getName()).setFirstName("Other"))
                .setUpdateMask(Customers.mask("first_name"))
                .setRequestId(requestId)
                .build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("REQUEST_ID_REUSED");
    assertThat(Customers.get(api.customers(), created.getName()).getFirstName()).isEqualTo("Betty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "42", "3f1c0a6e8a5b4c3d9e2f1a2b3c4d5e6f", "{3f1c0a6e-8a5b-4c3d-9e2f-1a2b3c4d5e6f}",
      "3f1c0a6e-8a5b-4c3d-9e2f-1a2b3c4d5e6", " 3f1c0a6e-8a5b-4c3d-9e2f-1a2b3c4d5e6f"})
  void malformedRequestIdIsInvalid(String requestId) {
    int before = Customers.rows(api, api.tenantA().tenantId());

    StatusRuntimeException e = failure(() -> api.customers().createCustomer(createRequest(Customers.valid(), requestId)));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("request_id");
    assertThat(Customers.rows(api, api.tenantA().tenantId())).isEqualTo(before);
  }

  @Test
  void requestIdsOfOneStoreDoNotClashWithAnother() {
    String requestId = Customers.requestId();
    Customer a = api.customers().createCustomer(createRequest(Customers.valid(), requestId));
    Customer b = api.customers(api.tenantB().key()).createCustomer(createRequest(Customers.minimal(), requestId));

    assertThat(b.getName()).isNotEqualTo(a.getName());
    assertThat(b.getFirstName()).isEqualTo("Ann");
  }

  @Test
  void failedAttemptLeavesNothingSoTheRetryRunsAfresh() {
    String requestId = Customers.requestId();
    String reference = "fixed-" + UUID.randomUUID();
    failure(() -> api.customers().createCustomer(createRequest(tagged(reference).setEmail("not an email"), requestId)));

    Customer created = api.customers().createCustomer(createRequest(tagged(reference), requestId));

    assertThat(created.getEmail()).isEqualTo("betty.smith@example.com");
    assertThat(rowsWithReference(reference)).isEqualTo(1);
  }

  @Test
  void retriedArchiveReplaysItsAnswerWithoutArchivingAgain() {
    Customer created = Customers.create(api.customers(), Customers.valid());
    DeleteCustomerRequest archive = DeleteCustomerRequest.newBuilder().setName(created.getName()).setRequestId(Customers.requestId()).build();
    Customer archived = api.customers().deleteCustomer(archive);
    Customer restored = api.customers().undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(created.getName()).build());

    Customer replayed = api.customers().deleteCustomer(archive);

    assertThat(replayed).isEqualTo(archived);
    assertThat(Customers.get(api.customers(), created.getName())).isEqualTo(restored);
  }

  @Test
  void retriedUpdateReplaysItsAnswer() {
    Customer created = Customers.create(api.customers(), Customers.valid());
    UpdateCustomerRequest update =
        UpdateCustomerRequest.newBuilder()
            .setCustomer(Customer.newBuilder().setName(created.getName()).setEtag(created.getEtag()).setCompany("Acme"))
            .setUpdateMask(Customers.mask("company"))
            .setRequestId(Customers.requestId())
            .build();

    Customer first = api.customers().updateCustomer(update);
    // The etag in the request is stale now: only a replay can answer without ABORTED.
    Customer retry = api.customers().updateCustomer(update);

    assertThat(retry).isEqualTo(first);
  }

  @Test
  void concurrentCreatesWithSameRequestIdCreateExactlyOneCustomer() throws Exception {
    String reference = "race-" + UUID.randomUUID();
    CreateCustomerRequest request = createRequest(tagged(reference), Customers.requestId());
    int threads = 6;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Customer>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return api.customers().withDeadlineAfter(30, TimeUnit.SECONDS).createCustomer(request);
        }));
      }
      start.countDown();
      List<Customer> answers = new ArrayList<>();
      for (Future<Customer> result : results) {
        answers.add(result.get(60, TimeUnit.SECONDS));
      }

      assertThat(answers).allMatch(answer -> answer.equals(answers.getFirst()));
      assertThat(rowsWithReference(reference)).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
