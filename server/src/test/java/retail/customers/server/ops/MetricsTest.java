package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.WatchCustomersRequest;

/** The Prometheus endpoint: calls by method and status with a latency histogram, the pools, exports, open streams. */
class MetricsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static String scrape(MetricsEndpoint endpoint) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  @Test
  void theEndpointShowsCallsPoolsExportsAndOpenStreams() throws Exception {
    Customers.create(api.customers(), Customers.minimal());
    try {
      api.customers().getCustomer(GetCustomerRequest.newBuilder().setName("customers/nobody").build());
    } catch (io.grpc.StatusRuntimeException expected) {
      // counted as INVALID_ARGUMENT
    }
    api.customers().exportCustomers(ExportCustomersRequest.getDefaultInstance()).forEachRemaining(chunk -> {});
    try (MetricsEndpoint endpoint = new MetricsEndpoint(api.services().metrics(), new InetSocketAddress("127.0.0.1", 0));
        Watcher watcher = Watcher.open(api.channel(), api.tenantA().key(), WatchCustomersRequest.getDefaultInstance())) {
      String metrics = scrape(endpoint);

      assertThat(metrics).contains(
          "grpc_server_calls_seconds_count{code=\"OK\",method=\"retail.customers.v1.CustomerService/CreateCustomer\"} 1",
          "grpc_server_calls_seconds_count{code=\"INVALID_ARGUMENT\",method=\"retail.customers.v1.CustomerService/GetCustomer\"} 1",
          "grpc_server_calls_seconds_bucket{code=\"OK\",method=\"retail.customers.v1.CustomerService/CreateCustomer\",le=",
          "customers_export_rows_total 1.0",
          "customers_watch_streams_open 1.0",
          "hikaricp_connections_active{pool=\"customers\"}",
          "hikaricp_connections_pending{pool=\"customers\"}");
    }
  }
}
