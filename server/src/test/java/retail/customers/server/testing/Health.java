package retail.customers.server.testing;

import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;

/** The server's health as a load balancer asks for it. */
public final class Health {
  private Health() {}

  /** The whole server's status. */
  public static ServingStatus of(Channel channel) {
    return of(channel, "");
  }

  /** One service's status ("" for the whole server). */
  public static ServingStatus of(Channel channel, String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }
}
