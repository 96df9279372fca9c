package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.ConsentSource;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;
import retail.customers.v1.OptInLevel;
import retail.customers.v1.Source;

/**
 * Explicit marketing consent per channel: its state, when (defaulting to the
 * time of the write, from the server's clock) and where (defaulting to the
 * source of the write), and the opt-in level, which only granted consent has.
 */
class CustomerMarketingConsentTest {
  static final TestClock clock = new TestClock();
  @RegisterExtension static final ApiServer api = new ApiServer(clock);

  private static Timestamp now() {
    Instant now = clock.instant();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }

  private static MarketingConsent.Builder consent(ConsentState state) {
    return MarketingConsent.newBuilder().setState(state);
  }

  private static Customer.Builder withEmailConsent(MarketingConsent.Builder consent) {
    return Customers.valid().setMarketingConsents(MarketingConsents.newBuilder().setEmail(consent));
  }

  private static Customer create(Customer.Builder customer) {
    return Customers.create(api.customers(), customer);
  }

  private static Customer updateEmailConsent(Customer customer, MarketingConsent.Builder consent) {
    return Customers.update(api.customers(), customer.getName(),
        Customer.newBuilder().setMarketingConsents(MarketingConsents.newBuilder().setEmail(consent)), "marketing_consents.email");
  }

  @Test
  void grantedConsentDefaultsToNowFromTheWriteSourceWithSingleOptIn() {
    Customer created = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)));

    assertThat(created.getMarketingConsents().getEmail())
        .isEqualTo(MarketingConsent.newBuilder()
            .setState(ConsentState.CONSENT_STATE_GRANTED)
            .setUpdateTime(now())
            .setSource(ConsentSource.CONSENT_SOURCE_API)
            .setOptInLevel(OptInLevel.OPT_IN_LEVEL_SINGLE)
            .build());
    assertThat(created.getMarketingConsents().hasPostalMail()).isFalse();
    assertThat(created.getMarketingConsents().hasPhoneCall()).isFalse();
  }

  @Test
  void deniedConsentHasNoOptInLevel() {
    Customer created = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_DENIED)));

    MarketingConsent email = created.getMarketingConsents().getEmail();
    assertThat(email.getState()).isEqualTo(ConsentState.CONSENT_STATE_DENIED);
    assertThat(email.getOptInLevel()).isEqualTo(OptInLevel.OPT_IN_LEVEL_UNSPECIFIED);
    assertThat(email.getUpdateTime()).isEqualTo(now());
  }

  @Test
  void consentSourceDefaultsToWhereTheCustomerWasCreated() {
    Customer atRegister = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)).setSource(Source.SOURCE_REGISTER));
    assertThat(atRegister.getMarketingConsents().getEmail().getSource()).isEqualTo(ConsentSource.CONSENT_SOURCE_REGISTER);

    Customer imported = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_DENIED)).setSource(Source.SOURCE_IMPORT));
    assertThat(imported.getMarketingConsents().getEmail().getSource()).isEqualTo(ConsentSource.CONSENT_SOURCE_IMPORT);
  }

  @Test
  void ensuredCustomerConsentComesFromTheNewsletter() {
    Customer ensured =
        api.customers().ensureCustomer(
            EnsureCustomerRequest.newBuilder()
                .setCustomer(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)).setExternalReference("web-42"))
                .build())
            .getCustomer();

    assertThat(ensured.getSource()).isEqualTo(Source.SOURCE_ECOMMERCE);
    assertThat(ensured.getMarketingConsents().getEmail().getSource())
        .isEqualTo(ConsentSource.CONSENT_SOURCE_ECOMMERCE_NEWSLETTER);
  }

  @Test
  void givenTimeSourceAndLevelAreKept() {
    Timestamp earlier = Timestamps.fromMillis(clock.millis() - Duration.ofDays(400).toMillis());
    MarketingConsent given =
        consent(ConsentState.CONSENT_STATE_GRANTED)
            .setUpdateTime(earlier)
            .setSource(ConsentSource.CONSENT_SOURCE_BACK_OFFICE)
            .setOptInLevel(OptInLevel.OPT_IN_LEVEL_CONFIRMED)
            .build();

    Customer created = create(withEmailConsent(given.toBuilder()));

    assertThat(created.getMarketingConsents().getEmail()).isEqualTo(given);
  }

  @Test
  void consentTimeInTheFutureIsRejected() {
    Timestamp tomorrow = Timestamps.fromMillis(clock.millis() + Duration.ofDays(1).toMillis());
    StatusRuntimeException e =
        failure(() -> create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED).setUpdateTime(tomorrow))));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("customer.marketing_consents.email.update_time");
  }

  @Test
  void optInLevelOnlyGoesWithGrantedConsent() {
    StatusRuntimeException e =
        failure(() -> create(withEmailConsent(
            consent(ConsentState.CONSENT_STATE_DENIED).setOptInLevel(OptInLevel.OPT_IN_LEVEL_CONFIRMED))));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("customer.marketing_consents.email.opt_in_level");
  }

  @Test
  void timeSourceOrLevelWithoutAStateIsRejected() {
    StatusRuntimeException e =
        failure(() -> create(Customers.valid().setMarketingConsents(
            MarketingConsents.newBuilder()
                .setPostalMail(MarketingConsent.newBuilder().setSource(ConsentSource.CONSENT_SOURCE_REGISTER))
                .setPhoneCall(MarketingConsent.newBuilder().setOptInLevel(OptInLevel.OPT_IN_LEVEL_SINGLE)))));
    assertThat(violations(e))
        .containsOnlyKeys("customer.marketing_consents.postal_mail.state", "customer.marketing_consents.phone_call.state");
  }

  @Test
  void unknownEnumValuesAreRejected() {
    StatusRuntimeException e =
        failure(() -> create(withEmailConsent(
            MarketingConsent.newBuilder().setStateValue(9).setSourceValue(9).setOptInLevelValue(9))));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsKey("customer.marketing_consents.email.state");

    StatusRuntimeException badSource =
        failure(() -> create(withEmailConsent(
            consent(ConsentState.CONSENT_STATE_GRANTED).setSourceValue(9).setOptInLevelValue(9))));
    assertThat(violations(badSource))
        .containsOnlyKeys("customer.marketing_consents.email.source", "customer.marketing_consents.email.opt_in_level");
  }

  @Test
  void updateThatDoesNotTouchConsentKeepsItsTimeAndSource() {
    Customer created = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)).setSource(Source.SOURCE_REGISTER));
    clock.advance(Duration.ofHours(1));

    Customer updated = Customers.update(api.customers(), created.getName(), Customer.newBuilder().setCompany("Acme"), "company");

    assertThat(updated.getMarketingConsents()).isEqualTo(created.getMarketingConsents());
  }

  @Test
  void changedStateIsDatedNowEvenWhenTheOldTimeIsSentBack() {
    Customer created = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)));
    clock.advance(Duration.ofHours(2));

    // A back office that read the customer sends the whole consent back with only the state flipped.
    Customer updated =
        updateEmailConsent(created, created.getMarketingConsents().getEmail().toBuilder()
            .setState(ConsentState.CONSENT_STATE_DENIED)
            .clearSource()
            .clearOptInLevel());

    MarketingConsent email = updated.getMarketingConsents().getEmail();
    assertThat(email.getState()).isEqualTo(ConsentState.CONSENT_STATE_DENIED);
    assertThat(email.getUpdateTime()).isEqualTo(now());
    assertThat(email.getUpdateTime()).isNotEqualTo(created.getMarketingConsents().getEmail().getUpdateTime());
  }

  @Test
  void sameStateSentAgainKeepsTheOriginalTime() {
    Customer created = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)));
    clock.advance(Duration.ofHours(3));

    Customer updated = updateEmailConsent(created, consent(ConsentState.CONSENT_STATE_GRANTED));

    assertThat(updated.getMarketingConsents().getEmail().getUpdateTime())
        .isEqualTo(created.getMarketingConsents().getEmail().getUpdateTime());
  }

  @Test
  void clearingTheChannelForgetsTheConsent() {
    Customer created = create(withEmailConsent(consent(ConsentState.CONSENT_STATE_GRANTED)));

    Customer updated = Customers.update(api.customers(), created.getName(), Customer.newBuilder(), "marketing_consents.email");

    assertThat(updated.getMarketingConsents().hasEmail()).isFalse();
  }
}
