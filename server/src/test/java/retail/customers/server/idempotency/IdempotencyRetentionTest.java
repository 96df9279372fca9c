package retail.customers.server.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.IDEMPOTENT_REQUEST;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;

/**
 * How long a request_id replays its answer: at least 24 hours (AIP-155), and
 * the housekeeping purge removes answers only after {@link IdempotentRequests#RETENTION}.
 */
class IdempotencyRetentionTest {
  static final TestClock clock = new TestClock();
  @RegisterExtension static final ApiServer api = new ApiServer(clock);

  private static int storedAnswers(String requestId) {
    return api.database().dsl().fetchCount(IDEMPOTENT_REQUEST, IDEMPOTENT_REQUEST.REQUEST_ID.eq(UUID.fromString(requestId)));
  }

  private static int purge() {
    return api.services().idempotency().purgeExpired(api.database().dsl());
  }

  @Test
  void answerStillReplaysADayLaterAndIsPurgedAfterTheRetention() {
    String requestId = Customers.requestId();
    CreateCustomerRequest request = CreateCustomerRequest.newBuilder().setCustomer(Customers.valid()).setRequestId(requestId).build();
    Customer first = api.customers().createCustomer(request);

    clock.advance(Duration.ofHours(25));
    purge();
    assertThat(storedAnswers(requestId)).isEqualTo(1);
    assertThat(api.customers().createCustomer(request)).isEqualTo(first);

    clock.advance(IdempotentRequests.RETENTION);
    assertThat(purge()).isPositive();
    assertThat(storedAnswers(requestId)).isZero();
  }
}
