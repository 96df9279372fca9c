package retail.customers.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenCallsTest {
  private final HealthStatusManager health = new HealthStatusManager();
  private final OpenCalls open = new OpenCalls();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(health.getHealthService(), open))
        .build()
        .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(1, TimeUnit.MINUTES);
  }

  /** A health watch, as a load balancer keeps one: its answers, then how it ended. */
  private static final class Watch implements StreamObserver<HealthCheckResponse> {
    final BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    @Override
    public void onNext(HealthCheckResponse response) {
      statuses.add(response.getStatus());
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }
  }

  @Test
  void closeAllEndsEveryWatchWithTheStatusAndLetsTheServerStopAtOnce() throws Exception {
    List<Watch> watches = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      Watch watch = new Watch();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), watch);
      assertThat(watch.statuses.poll(1, TimeUnit.MINUTES)).isEqualTo(ServingStatus.SERVING);
      watches.add(watch);
    }
    health.enterTerminalState();
    for (Watch watch : watches) {
      assertThat(watch.statuses.poll(1, TimeUnit.MINUTES)).as("the shutdown is seen first").isEqualTo(ServingStatus.NOT_SERVING);
    }
    assertThat(open.size()).isEqualTo(3);

    open.closeAll(Status.UNAVAILABLE.withDescription("shutting down"));

    for (Watch watch : watches) {
      Status end = watch.end.get(1, TimeUnit.MINUTES);
      assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(end.getDescription()).isEqualTo("shutting down");
    }
    assertThat(open.size()).isZero();
    server.shutdown();
    assertThat(server.awaitTermination(1, TimeUnit.MINUTES)).as("no call holds the server").isTrue();
  }

  @Test
  void whatTheServiceSendsAfterTheCloseIsDropped() throws Exception {
    Watch watch = new Watch();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("x").build(), watch);
    assertThat(watch.statuses.poll(1, TimeUnit.MINUTES)).isEqualTo(ServingStatus.SERVICE_UNKNOWN);

    open.closeAll(Status.UNAVAILABLE);
    health.setStatus("x", ServingStatus.SERVING); // the service still holds its watcher, and answers it

    assertThat(watch.end.get(1, TimeUnit.MINUTES).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(watch.statuses).as("nothing after the close").isEmpty();
  }

  @Test
  void callsThatEndByThemselvesAreForgotten() throws Exception {
    assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    // The server hears of the end just after the client does.
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (open.size() > 0 && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(open.size()).isZero();
  }
}
