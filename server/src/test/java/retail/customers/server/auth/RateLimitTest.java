package retail.customers.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;

import com.google.protobuf.util.Durations;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.ApiServices;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.ListTagsRequest;

/** Each API key's call rate: over its limit, RESOURCE_EXHAUSTED with when to retry; other keys go on. */
class RateLimitTest {
  private static final TestClock clock = new TestClock();

  @RegisterExtension
  static final ApiServer api =
      new ApiServer(clock, ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(10, 5));

  private static void call(String key) {
    api.customers(key).listTags(ListTagsRequest.getDefaultInstance());
  }

  @Test
  void aKeyOverItsLimitIsToldWhenToRetryAndOtherKeysGoOn() throws Exception {
    String key = api.tenantA().key();
    for (int i = 0; i < 5; i++) {
      call(key); // the burst
    }
    StatusRuntimeException limited = failure(() -> call(key));
    call(api.tenantB().key());

    assertThat(code(limited)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(reason(limited)).isEqualTo("RATE_LIMITED");
    RetryInfo retry = StatusProto.fromThrowable(limited).getDetailsList().stream()
        .filter(d -> d.is(RetryInfo.class)).findFirst().orElseThrow().unpack(RetryInfo.class);
    assertThat(Durations.toMillis(retry.getRetryDelay())).isEqualTo(100);

    clock.advance(Duration.ofMillis(100));
    call(key);
    StatusRuntimeException again = failure(() -> call(key));
    assertThat(code(again)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }
}
