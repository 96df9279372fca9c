package retail.customers.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import retail.customers.v1.ErrorReason;

/** Which failures a call is tried again after, and how long it waits. */
class RetrierTest {
  private final List<Duration> slept = new ArrayList<>();
  private final Retrier retrier = new Retrier(RetrySettings.DEFAULT, slept::add);

  private static StatusRuntimeException failure(Code code, ErrorReason reason) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage("failed")
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason.name()).setDomain("customers.retail").build()))
        .build());
  }

  /** Calls {@code retrier} with attempts that fail with {@code failure} {@code failures} times, then answer. */
  private String callFailing(int failures, StatusRuntimeException failure, AtomicInteger attempts) {
    return retrier.call(Deadline.after(1, TimeUnit.HOURS), deadline -> {
      if (attempts.incrementAndGet() <= failures) {
        throw failure;
      }
      return "answer";
    });
  }

  @Test
  void aWriteRolledBackForAConcurrentOneIsTriedAgainAfterABackoff() {
    AtomicInteger attempts = new AtomicInteger();

    String answer = callFailing(2, failure(Code.ABORTED, ErrorReason.CONCURRENT_MODIFICATION), attempts);

    assertThat(answer).isEqualTo("answer");
    assertThat(attempts).hasValue(3);
    assertThat(slept).hasSize(2).allSatisfy(wait -> assertThat(wait).isPositive());
  }

  @Test
  void aStaleEtagIsTheCallersToResolveAndIsNotTriedAgain() {
    AtomicInteger attempts = new AtomicInteger();

    assertThatThrownBy(() -> callFailing(1, failure(Code.ABORTED, ErrorReason.ETAG_MISMATCH), attempts))
        .isInstanceOf(CustomersException.ConflictException.class)
        .extracting(e -> ((CustomersException) e).reason()).isEqualTo("ETAG_MISMATCH");
    assertThat(attempts).hasValue(1);
    assertThat(slept).isEmpty();
  }

  @Test
  void unavailableIsTriedAgainUntilTheAttemptsRunOut() {
    AtomicInteger attempts = new AtomicInteger();

    assertThatThrownBy(() -> callFailing(100, failure(Code.UNAVAILABLE, ErrorReason.ERROR_REASON_UNSPECIFIED), attempts))
        .isInstanceOf(CustomersException.UnavailableException.class);
    assertThat(attempts).hasValue(RetrySettings.DEFAULT.maxAttempts());
  }

  @Test
  void anInvalidArgumentIsNeverTriedAgain() {
    AtomicInteger attempts = new AtomicInteger();

    assertThatThrownBy(() -> callFailing(1, failure(Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_UNSPECIFIED), attempts))
        .isInstanceOf(CustomersException.InvalidArgumentException.class);
    assertThat(attempts).hasValue(1);
  }
}
