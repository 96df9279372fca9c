package retail.customers.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.GetCustomerRequest;

class CustomersChannelTest {
  private final AtomicReference<String> seenAuthorization = new AtomicReference<>();
  private Server server;
  private String name;

  @BeforeEach
  void startServer() throws Exception {
    name = InProcessServerBuilder.generateName();
    CustomerServiceGrpc.CustomerServiceImplBase echo =
        new CustomerServiceGrpc.CustomerServiceImplBase() {
          @Override
          public void getCustomer(GetCustomerRequest request, StreamObserver<Customer> response) {
            response.onNext(Customer.newBuilder().setName(request.getName()).build());
            response.onCompleted();
          }
        };
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            seenAuthorization.set(headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
            return next.startCall(call, headers);
          }
        };
    server = InProcessServerBuilder.forName(name).addService(ServerInterceptors.intercept(echo, capture)).build().start();
  }

  @AfterEach
  void stopServer() {
    server.shutdownNow();
  }

  @Test
  void everyCallCarriesTheApiKeyAsBearerToken() {
    try (CustomersChannel api = CustomersChannel.wrap(InProcessChannelBuilder.forName(name).build(), " ck_secret ")) {
      Customer c = api.customers().getCustomer(GetCustomerRequest.newBuilder().setName("customers/x").build());

      assertThat(c.getName()).isEqualTo("customers/x");
      assertThat(seenAuthorization.get()).isEqualTo("Bearer ck_secret");
    }
  }

  @Test
  void aKeyIsRequired() {
    assertThatThrownBy(() -> CustomersChannel.builder("localhost:1").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("API key");
  }
}
