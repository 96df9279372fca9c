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
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.ConsentSource;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.OptInLevel;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EnsureCustomerResponse;
import retail.customers.v1.Source;

/** EnsureCustomer: an e-commerce order creates its customer once, however often it is delivered. */
class EnsureCustomerTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static EnsureCustomerResponse ensure(Customer.Builder customer) {
    return api.customers().ensureCustomer(EnsureCustomerRequest.newBuilder().setCustomer(customer).build());
  }

  private static Customer.Builder webOrder(String reference) {
    return Customers.minimal().setExternalReference(reference).setEmail(reference + "@shop.example.com");
  }

  private static int rowsWithReference(String reference) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.eq(reference));
  }

  private static int rowsWithEmail(String email) {
    return api.database().dsl().fetchCount(CUSTOMER, DSL.lower(CUSTOMER.EMAIL).eq(email.toLowerCase()));
  }

  @Test
  void firstDeliveryCreatesAndLaterOnesFindTheSameCustomer() {
    String reference = "order-" + UUID.randomUUID();

    EnsureCustomerResponse first = ensure(webOrder(reference));
    EnsureCustomerResponse second = ensure(webOrder(reference).setFirstName("Changed on the web"));

    assertThat(first.getCreated()).isTrue();
    assertThat(first.getCustomer().getSource()).isEqualTo(Source.SOURCE_ECOMMERCE);
    assertThat(second.getCreated()).isFalse();
    assertThat(second.getCustomer().getName()).isEqualTo(first.getCustomer().getName());
    assertThat(second.getCustomer().getFirstName()).isEqualTo("Ann");
    assertThat(rowsWithReference(reference)).isEqualTo(1);
  }

  @Test
  void customerCreatedElsewhereIsFoundByItsExternalReference() {
    String reference = "crm-" + UUID.randomUUID();
    Customer existing = Customers.create(api.customers(), Customers.valid().setExternalReference(reference));

    EnsureCustomerResponse found = ensure(webOrder(reference));

    assertThat(found.getCreated()).isFalse();
    assertThat(found.getCustomer()).isEqualTo(existing);
  }

  @Test
  void withoutExternalReferenceTheEmailFindsTheCustomerIgnoringCase() {
    String email = "Zoe." + UUID.randomUUID() + "@Example.com";
    EnsureCustomerResponse first = ensure(Customers.minimal().setEmail(email));

    EnsureCustomerResponse again = ensure(Customers.minimal().setEmail(email.toLowerCase()));
    EnsureCustomerResponse upper = ensure(Customers.minimal().setEmail(email.toUpperCase()));

    assertThat(first.getCreated()).isTrue();
    assertThat(again.getCreated()).isFalse();
    assertThat(upper.getCreated()).isFalse();
    assertThat(again.getCustomer().getName()).isEqualTo(first.getCustomer().getName());
    assertThat(upper.getCustomer().getName()).isEqualTo(first.getCustomer().getName());
    assertThat(rowsWithEmail(email)).isEqualTo(1);
  }

  @Test
  void externalReferenceDecidesWhenBothAreGiven() {
    String email = "both-" + UUID.randomUUID() + "@example.com";
    Customer byEmail = ensure(Customers.minimal().setEmail(email)).getCustomer();

    EnsureCustomerResponse byReference = ensure(Customers.minimal().setEmail(email).setExternalReference("ref-" + UUID.randomUUID()));

    assertThat(byReference.getCreated()).isTrue();
    assertThat(byReference.getCustomer().getName()).isNotEqualTo(byEmail.getName());
  }

  @Test
  void neitherExternalReferenceNorEmailIsInvalid() {
    int before = Customers.rows(api, api.tenantA().tenantId());

    StatusRuntimeException e = failure(() -> ensure(Customers.minimal().setExternalReference("  ").setEmail(" ")));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("INVALID_FIELDS");
    assertThat(violations(e)).containsOnlyKeys("customer.external_reference", "customer.email");
    assertThat(Customers.rows(api, api.tenantA().tenantId())).isEqualTo(before);
  }

  @Test
  void badFieldsAreInvalidAndCreateNothing() {
    String reference = "bad-" + UUID.randomUUID();

    StatusRuntimeException e = failure(() -> ensure(webOrder(reference).setHomePhone("12345").setDiscountPercent("200")));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("customer.home_phone", "customer.discount_percent");
    assertThat(rowsWithReference(reference)).isZero();
  }

  @Test
  void invalidEmailAloneIsNamed() {
    StatusRuntimeException e = failure(() -> ensure(Customers.minimal().setEmail("not an email")));
    assertThat(violations(e)).containsOnlyKeys("customer.email");
  }

  @Test
  void otherStoresCustomerWithTheSameReferenceIsNotFound() {
    String reference = "shared-" + UUID.randomUUID();
    Customer inB = Customers.create(api.customers(api.tenantB().key()), Customers.minimal().setExternalReference(reference));

    EnsureCustomerResponse inA = ensure(webOrder(reference));

    assertThat(inA.getCreated()).isTrue();
    assertThat(inA.getCustomer().getName()).isNotEqualTo(inB.getName());
  }

  @Test
  void aNewsletterSubscribersEmailConsentComesFromTheEcommerceNewsletter() {
    Customer.Builder subscriber = webOrder("news-" + UUID.randomUUID());
    subscriber.getMarketingConsentsBuilder().getEmailBuilder()
        .setState(ConsentState.CONSENT_STATE_GRANTED).setOptInLevel(OptInLevel.OPT_IN_LEVEL_CONFIRMED);

    Customer created = ensure(subscriber).getCustomer();

    MarketingConsent email = created.getMarketingConsents().getEmail();
    assertThat(email.getState()).isEqualTo(ConsentState.CONSENT_STATE_GRANTED);
    assertThat(email.getSource()).isEqualTo(ConsentSource.CONSENT_SOURCE_ECOMMERCE_NEWSLETTER);
    assertThat(email.getOptInLevel()).isEqualTo(OptInLevel.OPT_IN_LEVEL_CONFIRMED);
    assertThat(email.hasUpdateTime()).isTrue();
    assertThat(created.getMarketingConsents().getPostalMail().getState()).isEqualTo(ConsentState.CONSENT_STATE_UNSPECIFIED);
  }

  @Test
  void concurrentDeliveriesOfTheSameOrderCreateExactlyOneCustomer() throws Exception {
    assertConcurrentEnsuresCreateOne(webOrder("race-" + UUID.randomUUID()));
  }

  @Test
  void concurrentEnsuresOfTheSameEmailCreateExactlyOneCustomer() throws Exception {
    assertConcurrentEnsuresCreateOne(Customers.minimal().setEmail("race-" + UUID.randomUUID() + "@example.com"));
  }

  private static void assertConcurrentEnsuresCreateOne(Customer.Builder customer) throws Exception {
    // The same paid order, delivered ten times at once by an at-least-once webhook.
    int threads = 10;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<EnsureCustomerResponse>> calls = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        calls.add(pool.submit(() -> {
          start.await();
          return api.customers().withDeadlineAfter(30, TimeUnit.SECONDS)
              .ensureCustomer(EnsureCustomerRequest.newBuilder().setCustomer(customer).build());
        }));
      }
      start.countDown();
      List<EnsureCustomerResponse> answers = new ArrayList<>();
      for (Future<EnsureCustomerResponse> call : calls) {
        answers.add(call.get(60, TimeUnit.SECONDS));
      }

      assertThat(answers).filteredOn(EnsureCustomerResponse::getCreated).hasSize(1);
      assertThat(answers).extracting(a -> a.getCustomer().getName()).containsOnly(answers.getFirst().getCustomer().getName());
      if (!customer.getExternalReference().isEmpty()) {
        assertThat(rowsWithReference(customer.getExternalReference())).isEqualTo(1);
      } else {
        assertThat(rowsWithEmail(customer.getEmail())).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void retryWithTheSameRequestIdReplaysTheCreatedAnswer() {
    EnsureCustomerRequest request =
        EnsureCustomerRequest.newBuilder().setCustomer(webOrder("retry-" + UUID.randomUUID())).setRequestId(Customers.requestId()).build();

    EnsureCustomerResponse first = api.customers().ensureCustomer(request);
    EnsureCustomerResponse retry = api.customers().ensureCustomer(request);

    assertThat(retry).isEqualTo(first);
    assertThat(retry.getCreated()).isTrue();
  }
}
