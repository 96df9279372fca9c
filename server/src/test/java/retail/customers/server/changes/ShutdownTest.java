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

  @Test
  void anExportStillRunningEndsWithUnavailableAndTheResumeTokenOfItsLastChunk() throws Exception {
    var store = api.services().apiKeys().createTenant("Shutdown export store", "CA");
    var stub = retail.customers.v1.CustomerServiceGrpc.newBlockingStub(api.channel())
        .withCallCredentials(retail.customers.server.testing.ApiServer.bearer(store.key()));
    for (int batch = 0; batch < 2; batch++) {
      var creates = retail.customers.v1.BatchCreateCustomersRequest.newBuilder();
      for (int i = 0; i < 1000; i++) {
        creates.addRequests(retail.customers.v1.CreateCustomerRequest.newBuilder().setCustomer(Customers.valid()));
      }
      stub.batchCreateCustomers(creates.build());
    }
    java.util.concurrent.BlockingQueue<Object> received = new java.util.concurrent.LinkedBlockingQueue<>();
    var streams = new java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<?>>();
    retail.customers.v1.CustomerServiceGrpc.newStub(api.channel())
        .withCallCredentials(retail.customers.server.testing.ApiServer.bearer(store.key()))
        .exportCustomers(retail.customers.v1.ExportCustomersRequest.getDefaultInstance(),
            new io.grpc.stub.ClientResponseObserver<retail.customers.v1.ExportCustomersRequest, retail.customers.v1.ExportCustomersResponse>() {
              @Override
              public void beforeStart(io.grpc.stub.ClientCallStreamObserver<retail.customers.v1.ExportCustomersRequest> stream) {
                stream.disableAutoRequestWithInitial(1); // a slow reader: one chunk, then nothing until asked
                streams.set(stream);
              }

              @Override
              public void onNext(retail.customers.v1.ExportCustomersResponse chunk) {
                received.add(chunk);
              }

              @Override
              public void onError(Throwable t) {
                received.add(t);
              }

              @Override
              public void onCompleted() {
                received.add("completed");
              }
            });
    Object first = received.poll(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(first).isInstanceOf(retail.customers.v1.ExportCustomersResponse.class);

    api.services().closeExports();
    streams.get().request(Integer.MAX_VALUE);
    String lastToken = ((retail.customers.v1.ExportCustomersResponse) first).getResumeToken();
    Object item;
    while ((item = received.poll(30, java.util.concurrent.TimeUnit.SECONDS)) instanceof retail.customers.v1.ExportCustomersResponse chunk) {
      lastToken = chunk.getResumeToken();
    }

    assertThat(item).isInstanceOf(io.grpc.StatusRuntimeException.class);
    Throwable ended = (Throwable) item;
    assertThat(Status.fromThrowable(ended).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    ErrorInfo info = errorInfo(ended);
    assertThat(info.getReason()).isEqualTo("SERVER_SHUTTING_DOWN");
    assertThat(lastToken).as("the last chunk received has a token").isNotEmpty();
    assertThat(info.getMetadataMap()).containsEntry("resume_token", lastToken);
  }

  private static ErrorInfo errorInfo(Throwable failure) throws Exception {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    assertThat(details).as("rich status").isNotNull();
    return details.getDetailsList().stream().filter(d -> d.is(ErrorInfo.class)).findFirst().orElseThrow().unpack(ErrorInfo.class);
  }
}
