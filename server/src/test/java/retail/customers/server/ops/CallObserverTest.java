package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.GetCustomerRequest;

/** The observer tells of each successful write call's tenant, before its caller is answered, and of no read. */
class CallObserverTest {
  private static final UUID TENANT = UUID.randomUUID();

  private final List<UUID> wrote = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    CustomerServiceGrpc.CustomerServiceImplBase service = new CustomerServiceGrpc.CustomerServiceImplBase() {
      @Override
      public void createCustomer(CreateCustomerRequest request, StreamObserver<Customer> response) {
        response.onNext(Customer.getDefaultInstance());
        response.onCompleted();
      }

      @Override
      public void getCustomer(GetCustomerRequest request, StreamObserver<Customer> response) {
        response.onNext(Customer.getDefaultInstance());
        response.onCompleted();
      }
    };
    // As authentication does, inside the observer: the call's tenant.
    ServerInterceptor authenticated = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        CallRecord.tenant(TENANT);
        return next.startCall(call, headers);
      }
    };
    CallObserver observer = new CallObserver(new SimpleMeterRegistry(), System::nanoTime, wrote::add);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, authenticated, observer)).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void eachSuccessfulWriteIsToldWithItsTenantAndNoRead() {
    CustomerServiceGrpc.CustomerServiceBlockingStub customers = CustomerServiceGrpc.newBlockingStub(channel);
    customers.createCustomer(CreateCustomerRequest.getDefaultInstance());
    customers.getCustomer(GetCustomerRequest.getDefaultInstance());
    customers.createCustomer(CreateCustomerRequest.getDefaultInstance());
    customers.getCustomer(GetCustomerRequest.getDefaultInstance());

    assertThat(wrote).containsExactly(TENANT, TENANT);
  }

  @Test
  void methodsAreTakenForWritesUnlessTheirNamesSayTheyRead() {
    assertThat(CallObserver.isWrite("retail.customers.v1.CustomerService/CreateCustomer")).isTrue();
    assertThat(CallObserver.isWrite("retail.customers.v1.CustomerService/MergeCustomers")).isTrue();
    assertThat(CallObserver.isWrite("retail.customers.v1.CustomerService/GetCustomer")).isFalse();
    assertThat(CallObserver.isWrite("retail.customers.v1.CustomerService/BatchGetCustomers")).isFalse();
    assertThat(CallObserver.isWrite("retail.customers.v1.CustomerService/SearchCustomers")).isFalse();
    assertThat(CallObserver.isWrite("grpc.health.v1.Health/Check")).isFalse();
  }
}
