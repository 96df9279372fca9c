package retail.customers.server.changes;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import com.google.rpc.ErrorInfo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.WatchCustomersRequest;

/**
 * A server that shuts down ends its open streams with UNAVAILABLE (which
 * clients retry) and where to resume, instead of CANCELLED, which tells a
 * client neither; and refuses new ones the same way.
 */
class ShutdownTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @Test
  void openStreamsEndWithUnavailableAndTheirResumeCursor() throws Exception {
    try (Watcher watcher = Watcher.open(api.channel(), api.tenantA().key(), WatchCustomersRequest.getDefaultInstance())) {
      Customers.create(api.customers(), Customers.minimal());
      List<CustomerEvent> events = watcher.take(1);

      api.services().changes().closeAll();
      Status ended = watcher.awaitEnd();

      assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      ErrorInfo info = errorInfo(watcher.failure());
      assertThat(info.getReason()).isEqualTo("SERVER_SHUTTING_DOWN");
      assertThat(info.getMetadataMap()).containsEntry("resume_cursor", events.getFirst().getCursor());
    }
    try (Watcher refused = Watcher.open(api.channel(), api.tenantA().key(), WatchCustomersRequest.getDefaultInstance())) {
      assertThat(refused.awaitEnd().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  private static ErrorInfo errorInfo(Throwable failure) throws Exception {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    assertThat(details).as("rich status").isNotNull();
    return details.getDetailsList().stream().filter(d -> d.is(ErrorInfo.class)).findFirst().orElseThrow().unpack(ErrorInfo.class);
  }
}
