package retail.customers.server.customer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.BatchCreateCustomersResponse;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CustomerResult;

/**
 * Sixteen batches of one tenant at once, their customers spread over every
 * count shard and sharing tags, complete with every item stored: each
 * item's triggers lock shards and tag counts in an order of its own, and
 * batches taking them item by item used to deadlock.
 */
class ConcurrentBatchesTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @Test
  void sixteenBatchesAtOnceCompleteWithEveryItemStored() throws Exception {
    ApiKeys.MintedKey store = api.services().apiKeys().createTenant("Batches store", "CA");
    int batches = 16;
    int items = 100;
    ExecutorService pool = Executors.newFixedThreadPool(batches);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<BatchCreateCustomersResponse>> calls = new ArrayList<>();
      for (int b = 0; b < batches; b++) {
        int batch = b;
        calls.add(pool.submit(() -> {
          BatchCreateCustomersRequest.Builder request = BatchCreateCustomersRequest.newBuilder();
          for (int i = 0; i < items; i++) {
            // Tags in a different order in each batch.
            request.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.minimal()
                .setLastName("B" + batch + "i" + i)
                .addTags("tag" + ((i + batch) % 7)).addTags("tag" + ((i * 3 + batch) % 5 + 7))));
          }
          start.await();
          return api.customers(store.key()).withDeadlineAfter(120, TimeUnit.SECONDS).batchCreateCustomers(request.build());
        }));
      }
      start.countDown();
      long stored = 0;
      for (Future<BatchCreateCustomersResponse> call : calls) {
        BatchCreateCustomersResponse response = call.get(180, TimeUnit.SECONDS);
        assertThat(response.getResultsList()).allSatisfy(r -> assertThat(r.getResultCase()).isEqualTo(CustomerResult.ResultCase.CUSTOMER));
        stored += response.getResultsCount();
      }

      assertThat(stored).isEqualTo((long) batches * items);
      assertThat(Customers.rows(api, store.tenantId())).isEqualTo(batches * items);
    } finally {
      pool.shutdownNow();
    }
  }
}
