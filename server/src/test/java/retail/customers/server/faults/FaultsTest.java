package retail.customers.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * Faults a register on a flaky network meets, each with the figure it
 * prints: answers lost after their commit while clients retry, connections
 * killed under the server, and writers racing on one version. Sizes are
 * reduced for the suite; the property holds whatever the size.
 */
class FaultsTest {
  @RegisterExtension static final ApiServer api = ApiServer.withFaults(new AnswerDropper());
  /** Creates in the storm; 10,000 in the full run (README: bin/test -Dtest=FaultsTest -Dfaults.scale=20). */
  private static final int STORM = 500 * Integer.getInteger("faults.scale", 1);

  /** Answers to drop after the call's work committed: every n-th call of those marked. */
  private static final AtomicInteger calls = new AtomicInteger();
  private static volatile int dropEvery;
  private static final AtomicLong dropped = new AtomicLong();


  /**
   * Replaces the answer of every {@code dropEvery}-th call, after the server
   * has done (and committed) its work, with UNAVAILABLE: to the client, a
   * connection lost before the answer came.
   */
  private static final class AnswerDropper implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      int every = dropEvery;
      boolean drop = every > 0 && calls.incrementAndGet() % every == 0;
      if (!drop) {
        return next.startCall(call, headers);
      }
      dropped.incrementAndGet();
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendMessage(R message) {
          // committed, and lost on the way
        }

        @Override
        public void close(Status status, Metadata trailers) {
          super.close(status.isOk() ? Status.UNAVAILABLE.withDescription("answer dropped after commit") : status, trailers);
        }
      }, headers);
    }
  }

  private static CustomerServiceBlockingStub customers() {
    return CustomerServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(api.tenantA().key()))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Creates with one request id until an answer arrives, as a client retries UNAVAILABLE: after a short pause. */
  private static Customer createWithRetries(CreateCustomerRequest request, AtomicLong retries, Map<Status.Code, AtomicLong> errors) {
    while (true) {
      try {
        return customers().createCustomer(request);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          errors.computeIfAbsent(e.getStatus().getCode(), c -> new AtomicLong()).incrementAndGet();
          throw e;
        }
        retries.incrementAndGet();
        try {
          Thread.sleep(20);
        } catch (InterruptedException interrupted) {
          throw new IllegalStateException(interrupted);
        }
      }
    }
  }

  private static int rowsWithPrefix(String prefix) {
    return api.database().dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.startsWith(prefix));
  }

  @Test
  void aRetryStormWithAnswersLostAfterCommitStoresEachCustomerOnce() throws Exception {
    String prefix = "storm-" + UUID.randomUUID() + "-";
    AtomicLong retries = new AtomicLong();
    Map<Status.Code, AtomicLong> errors = new ConcurrentHashMap<>();
    List<Customer> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
    dropped.set(0);
    dropEvery = 10;
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < STORM; i++) {
        CreateCustomerRequest request = CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
            .setCustomer(Customers.valid().setExternalReference(prefix + i)).build();
        work.add(clients.submit(() -> acknowledged.add(createWithRetries(request, retries, errors))));
      }
      for (Future<?> f : work) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      dropEvery = 0;
      clients.shutdownNow();
    }

    int rows = rowsWithPrefix(prefix);
    System.out.printf("retry storm: %d creates, %d answers dropped after commit, %d retries, rows stored %d, duplicates %d%n",
        STORM, dropped.get(), retries.get(), rows, rows - STORM);
    assertThat(dropped.get()).as("answers were dropped").isGreaterThanOrEqualTo(STORM / 20);
    assertThat(errors).isEmpty();
    assertThat(rows).isEqualTo(STORM);
    assertThat(acknowledged).extracting(Customer::getName).doesNotHaveDuplicates().hasSize(STORM);
  }

  @Test
  void connectionsKilledUnderTheServerLoseNoAcknowledgedWriteAndFailOnlyAsUnavailable() throws Exception {
    String prefix = "killed-" + UUID.randomUUID() + "-";
    AtomicLong retries = new AtomicLong();
    Map<Status.Code, AtomicLong> errors = new ConcurrentHashMap<>();
    List<Customer> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean killing = new AtomicBoolean(true);
    AtomicInteger killed = new AtomicInteger();
    Thread killer = Thread.ofPlatform().start(() -> {
      while (killing.get()) {
        // Every backend of the server's pools, as a DBA's or a failover's kill would.
        killed.addAndGet(api.database().dsl().resultQuery(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
                    + " where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend') t")
            .fetchSingle(0, Integer.class));
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    int creates = STORM / 2;
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < creates; i++) {
        CreateCustomerRequest request = CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
            .setCustomer(Customers.valid().setExternalReference(prefix + i)).build();
        work.add(clients.submit(() -> acknowledged.add(createWithRetries(request, retries, errors))));
      }
      for (Future<?> f : work) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      killing.set(false);
      killer.join();
      clients.shutdownNow();
    }

    int rows = rowsWithPrefix(prefix);
    System.out.printf("connection kills: %d backends killed during %d creates, %d UNAVAILABLE retried, other errors %s,"
        + " acknowledged writes missing %d, duplicates %d%n", killed.get(), creates, retries.get(), errors, creates - rows, rows - creates);
    assertThat(killed.get()).as("connections were killed").isPositive();
    assertThat(errors).as("errors other than UNAVAILABLE").isEmpty();
    assertThat(rows).isEqualTo(creates);
    assertThat(acknowledged).extracting(Customer::getName).doesNotHaveDuplicates().hasSize(creates);
    // and the service heals by itself: a client that retries UNAVAILABLE, as
    // every client should, gets its next write through
    Map<Status.Code, AtomicLong> after = new ConcurrentHashMap<>();
    Customer healed = createWithRetries(CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
        .setCustomer(Customers.valid()).build(), new AtomicLong(), after);
    assertThat(healed.getName()).startsWith("customers/");
    assertThat(after).isEmpty();
  }

  @Test
  void twentyUpdatesWithOneEtagOneWinsNineteenAreAbortedNoneLost() throws Exception {
    Customer customer = createWithRetries(CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
        .setCustomer(Customers.valid()).build(), new AtomicLong(), new ConcurrentHashMap<>());
    ExecutorService writers = Executors.newFixedThreadPool(20);
    List<Future<Status.Code>> outcomes = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        String note = "writer " + i;
        outcomes.add(writers.submit(() -> {
          try {
            customers().updateCustomer(UpdateCustomerRequest.newBuilder()
                .setCustomer(Customer.newBuilder().setName(customer.getName()).setEtag(customer.getEtag()).setNotes(note))
                .setUpdateMask(Customers.mask("notes")).build());
            return Status.Code.OK;
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
          }
        }));
      }
      List<Status.Code> codes = new ArrayList<>();
      for (Future<Status.Code> outcome : outcomes) {
        codes.add(outcome.get(2, TimeUnit.MINUTES));
      }
      long ok = codes.stream().filter(c -> c == Status.Code.OK).count();
      long aborted = codes.stream().filter(c -> c == Status.Code.ABORTED).count();
      Customer after = Customers.get(customers(), customer.getName());
      System.out.printf("one etag, 20 writers: %d OK, %d ABORTED, version went from %s to %s%n", ok, aborted, customer.getEtag(), after.getEtag());

      assertThat(ok).isEqualTo(1);
      assertThat(aborted).isEqualTo(19);
      assertThat(after.getNotes()).startsWith("writer ");
    } finally {
      writers.shutdownNow();
    }
  }
}
