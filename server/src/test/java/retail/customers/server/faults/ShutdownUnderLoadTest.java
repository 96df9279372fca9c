package retail.customers.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.ApiServices;
import retail.customers.server.GracefulShutdown;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TcpProxy;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.ExportCustomersRequest;
import retail.customers.v1.ExportCustomersResponse;

/**
 * SIGTERM under load, as a rolling deploy meets it: 200 creates in flight
 * (PostgreSQL's answers held by a proxy, so that they are), a register
 * that keeps writing, and a back office's export that reads slowly, when
 * the server runs its shutdown exactly as Main's signal hook does
 * ({@link GracefulShutdown}, with a shorter drain and grace). Then a
 * second server on the same database takes over: the writes that were
 * refused are retried there with their request ids, and the export goes on
 * there from its resume token.
 */
class ShutdownUnderLoadTest {
  private static final int SCALE = Integer.getInteger("faults.scale", 1);
  /** Creates in flight when the shutdown starts; 2,000 in the full run (-Dfaults.scale=10). */
  private static final int IN_FLIGHT = 200 * SCALE;
  /** Customers of the exporting store: enough that the slow export outlasts the grace. */
  private static final int EXPORTED = SCALE > 1 ? 12_000 : 4_000;
  /** Production's drain (5 s) and grace (20 s) in the full run; shorter in the suite. */
  private static final Duration DRAIN = SCALE > 1 ? Duration.ofSeconds(5) : Duration.ofSeconds(2);
  private static final Duration GRACE = SCALE > 1 ? GracefulShutdown.GRACE : Duration.ofSeconds(10);
  private static final Duration ANSWER_DELAY = Duration.ofMillis(20);

  private static Database owner;
  private static String databaseName;
  private static TcpProxy proxy;
  private static Database serving;
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    owner = TestDatabases.create();
    databaseName = owner.dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    String url = TestDatabases.servingUrlOf(databaseName);
    java.net.URI uri = java.net.URI.create(url.substring("jdbc:".length()));
    proxy = new TcpProxy(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    serving = Database.connect(proxy.through(url), null, null, 10, Duration.ofSeconds(30), TestDatabases.POOL_WAIT);
    services = new ApiServices(serving, Clock.systemUTC(), settings());
    server = services.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  private static ApiServices.Settings settings() {
    return new ApiServices.Settings(CountBudget.unbounded(), Duration.ofDays(7), Duration.ofSeconds(1), 0, 0);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    serving.close();
    proxy.close();
    owner.close();
    TestDatabases.drop(databaseName);
  }

  /** What became of one create: the request, when it was sent, the code of its first answer, when that came, the customer if OK. */
  private record Outcome(CreateCustomerRequest request, long sent, Status.Code code, long at, Customer customer) {}

  /** Sends a create and records what became of it in {@code outcomes}. */
  private static void send(CustomerServiceGrpc.CustomerServiceFutureStub stub, CreateCustomerRequest request, List<Outcome> outcomes,
      CountDownLatch answered) {
    long sent = System.nanoTime();
    Futures.addCallback(stub.withDeadlineAfter(2, TimeUnit.MINUTES).createCustomer(request), new FutureCallback<>() {
      @Override
      public void onSuccess(Customer customer) {
        outcomes.add(new Outcome(request, sent, Status.Code.OK, System.nanoTime(), customer));
        answered.countDown();
      }

      @Override
      public void onFailure(Throwable failure) {
        outcomes.add(new Outcome(request, sent, Status.fromThrowable(failure).getCode(), System.nanoTime(), null));
        answered.countDown();
      }
    }, MoreExecutors.directExecutor());
  }

  @Test
  void shutdownDrainsWhileServingFinishesCallsInFlightAndLeavesTheExportResumable() throws Exception {
    ApiKeys.MintedKey register = services.apiKeys().createTenant("Shutdown register store", "CA");
    ApiKeys.MintedKey backOffice = services.apiKeys().createTenant("Shutdown export store", "CA");
    for (int seeded = 0; seeded < EXPORTED; seeded += 1000) {
      BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder();
      for (int i = seeded; i < seeded + 1000; i++) {
        batch.addRequests(CreateCustomerRequest.newBuilder().setCustomer(Customers.valid().setCustomIdentifier("seed-" + i)));
      }
      CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(backOffice.key()))
          .withDeadlineAfter(2, TimeUnit.MINUTES).batchCreateCustomers(batch.build());
    }
    String prefix = "sigterm-" + UUID.randomUUID() + "-";
    CustomerServiceGrpc.CustomerServiceFutureStub registers =
        CustomerServiceGrpc.newFutureStub(channel).withCallCredentials(ApiServer.bearer(register.key()));

    // The export: one chunk, then one every 2 s, as a slow reader over a small window.
    ManagedChannel exportChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .flowControlWindow(64 * 1024).build();
    ExportReader export = new ExportReader();
    CustomerServiceGrpc.newStub(exportChannel).withCallCredentials(ApiServer.bearer(backOffice.key()))
        .exportCustomers(ExportCustomersRequest.getDefaultInstance(), export);
    assertThat(export.awaitChunks(1)).as("the export started").isTrue();

    proxy.delayAnswers(ANSWER_DELAY);
    long begun = System.nanoTime();
    List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch answered = new CountDownLatch(IN_FLIGHT);
    for (int i = 0; i < IN_FLIGHT; i++) {
      CreateCustomerRequest request = CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
          .setCustomer(Customers.valid().setExternalReference(prefix + i)).build();
      send(registers, request, outcomes, answered);
    }
    while (outcomes.size() < 10) {
      Thread.sleep(5); // the first answers are in: the rest are in flight
    }

    // SIGTERM; health watched, and a register that goes on sending a create every 50 ms.
    AtomicLong notServingAt = new AtomicLong();
    CountDownLatch watching = new CountDownLatch(1);
    // A load balancer's watch: NOT_SERVING at once, then UNAVAILABLE when the drain is over.
    AtomicReference<Status> watchEnd = new AtomicReference<>();
    AtomicLong watchEndAt = new AtomicLong();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {
        watching.countDown();
        if (response.getStatus() == ServingStatus.NOT_SERVING) {
          notServingAt.compareAndSet(0, System.nanoTime());
        }
      }

      @Override
      public void onError(Throwable t) {
        watchEndAt.set(System.nanoTime());
        watchEnd.set(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        watchEndAt.set(System.nanoTime());
        watchEnd.set(Status.OK);
      }
    });
    assertThat(watching.await(1, TimeUnit.MINUTES)).as("health is watched").isTrue();
    long shutdownAt = System.nanoTime();
    Thread shutdown = Thread.ofPlatform().name("shutdown").start(new GracefulShutdown(services, server, DRAIN, GRACE));
    AtomicBoolean stopped = new AtomicBoolean();
    List<Outcome> later = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicLong sentLater = new AtomicLong();
    CountDownLatch laterAnswered = new CountDownLatch(1_000_000);
    Thread writer = Thread.ofPlatform().start(() -> {
      for (int i = 0; !stopped.get(); i++) {
        send(registers, CreateCustomerRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
            .setCustomer(Customers.valid().setExternalReference(prefix + "later-" + i)).build(), later, laterAnswered);
        sentLater.incrementAndGet();
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    // The export is closed at the end of the grace; 2 s later its reader reads on to the end (its last
    // chunks, then the status), within the 5 s the shutdown gives closed exports.
    Thread.sleep(Duration.ofNanos(shutdownAt + DRAIN.plus(GRACE).plusSeconds(2).toNanos() - System.nanoTime()));
    export.readAll();
    shutdown.join(TimeUnit.MINUTES.toMillis(5));
    long terminatedAt = System.nanoTime();
    stopped.set(true);
    writer.join();
    assertThat(answered.await(1, TimeUnit.MINUTES)).as("every create in flight was answered").isTrue();
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (later.size() < sentLater.get() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(later).as("every later create was answered").hasSize((int) sentLater.get());
    proxy.delayAnswers(Duration.ZERO);
    assertThat(export.awaitEnd()).as("the export ended").isTrue();

    // Another server on the same database: the refused writes again, with their request ids, and the export from its token.
    try (Database next = Database.connect(TestDatabases.servingUrlOf(databaseName), null, null, 4, Duration.ofSeconds(30),
        TestDatabases.POOL_WAIT)) {
      ApiServices nextServices = new ApiServices(next, Clock.systemUTC(), settings());
      Server nextServer = nextServices.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))).build().start();
      ManagedChannel nextChannel = NettyChannelBuilder.forAddress("127.0.0.1", nextServer.getPort()).usePlaintext().build();
      try {
        CustomerServiceGrpc.CustomerServiceBlockingStub retries =
            CustomerServiceGrpc.newBlockingStub(nextChannel).withCallCredentials(ApiServer.bearer(register.key()));
        Map<String, String> names = new ConcurrentHashMap<>();
        List<Outcome> all = new ArrayList<>(outcomes);
        all.addAll(later);
        for (Outcome outcome : all) {
          Customer customer = outcome.code() == Status.Code.OK ? outcome.customer()
              : retries.withDeadlineAfter(1, TimeUnit.MINUTES).createCustomer(outcome.request());
          names.put(outcome.request().getRequestId(), customer.getName());
        }
        CustomerServiceGrpc.CustomerServiceBlockingStub exports =
            CustomerServiceGrpc.newBlockingStub(nextChannel).withCallCredentials(ApiServer.bearer(backOffice.key()));
        ByteArrayOutputStream resumed = new ByteArrayOutputStream();
        resumed.write(export.data.toByteArray());
        Iterator<ExportCustomersResponse> rest = exports.withDeadlineAfter(2, TimeUnit.MINUTES)
            .exportCustomers(ExportCustomersRequest.newBuilder().setResumeToken(export.resumeToken()).build());
        rest.forEachRemaining(chunk -> resumed.writeBytes(chunk.getData().toByteArray()));
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        exports.withDeadlineAfter(2, TimeUnit.MINUTES).exportCustomers(ExportCustomersRequest.getDefaultInstance())
            .forEachRemaining(chunk -> whole.writeBytes(chunk.getData().toByteArray()));

        // Figures.
        Map<Status.Code, Long> inFlight = count(outcomes);
        Map<Status.Code, Long> afterSigterm = count(later);
        long servedWhileNotServing = java.util.stream.Stream.concat(outcomes.stream(), later.stream())
            .filter(o -> o.code() == Status.Code.OK && o.at() > notServingAt.get()).count();
        long acceptedWhileNotServing = later.stream().filter(o -> o.code() == Status.Code.OK && o.sent() > notServingAt.get()).count();
        long firstRefused = java.util.stream.Stream.concat(outcomes.stream(), later.stream())
            .filter(o -> o.code() == Status.Code.UNAVAILABLE).mapToLong(Outcome::at).min().orElse(Long.MAX_VALUE);
        int rows = owner.dsl().fetchCount(CUSTOMER, CUSTOMER.EXTERNAL_REFERENCE.startsWith(prefix));
        List<String> csv = whole.toString(StandardCharsets.UTF_8).lines().toList();
        System.out.printf("SIGTERM under load: %d creates in flight (answers delayed %d ms): %s; NOT_SERVING %.2f s after SIGTERM;"
                + " %d OK answers after that (draining %.1f s, then finishing), %d of them to creates sent after it; writes after SIGTERM: %s; server stopped %.1f s after SIGTERM"
                + " (creates took %.1f s); the export ended %s after %d of %d rows and resumed on the next server: %d rows,"
                + " the same bytes as an uninterrupted export: %s; %d writes, %d rows, %d retried to exactly one%n",
            IN_FLIGHT, ANSWER_DELAY.toMillis(), inFlight, (notServingAt.get() - shutdownAt) / 1e9, servedWhileNotServing,
            DRAIN.toMillis() / 1e3, acceptedWhileNotServing, afterSigterm, (terminatedAt - shutdownAt) / 1e9, (answeredAt(outcomes) - begun) / 1e9,
            export.end.getCode(), export.rows, EXPORTED, resumed.toString(StandardCharsets.UTF_8).lines().count() - 1,
            java.util.Arrays.equals(resumed.toByteArray(), whole.toByteArray()), all.size(), rows,
            all.stream().filter(o -> o.code() != Status.Code.OK).count());

        assertThat(notServingAt.get()).as("health turned NOT_SERVING").isPositive();
        assertThat(notServingAt.get()).as("health turned NOT_SERVING before any call was refused").isLessThan(firstRefused);
        assertThat(watchEnd.get().getCode()).as("the health watch, at the end of the drain").isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(watchEndAt.get() - shutdownAt).as("the health watch lasted the drain").isGreaterThanOrEqualTo(DRAIN.toNanos());
        assertThat(servedWhileNotServing).as("calls answered OK after health said NOT_SERVING").isPositive();
        assertThat(acceptedWhileNotServing).as("calls sent after health said NOT_SERVING, and answered OK").isPositive();
        assertThat(inFlight.keySet()).as("codes of the calls in flight").isSubsetOf(Status.Code.OK, Status.Code.UNAVAILABLE);
        assertThat(afterSigterm.keySet()).as("codes of the writes after SIGTERM").isSubsetOf(Status.Code.OK, Status.Code.UNAVAILABLE);
        assertThat(rows).as("one row per write, acknowledged or retried").isEqualTo(all.size());
        assertThat(names.values()).doesNotHaveDuplicates().hasSize(all.size());
        for (String name : names.values()) {
          assertThat(Customers.get(retries, name).getExternalReference()).startsWith(prefix);
        }

        assertThat(export.end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        ErrorInfo info = errorInfo(export.failure);
        assertThat(info.getReason()).isEqualTo("SERVER_SHUTTING_DOWN");
        assertThat(info.getMetadataMap()).containsEntry("resume_token", export.resumeToken());
        assertThat(export.rows).as("rows exported before the shutdown").isPositive().isLessThan(EXPORTED);
        assertThat(resumed.toByteArray()).as("the export resumed on the next server").isEqualTo(whole.toByteArray());
        assertThat(csv).hasSize(EXPORTED + 1);
        assertThat(csv.stream().skip(1).map(line -> line.replaceAll(".*(seed-\\d+).*", "$1")))
            .doesNotHaveDuplicates().allMatch(id -> id.startsWith("seed-"));
      } finally {
        nextChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        nextServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        nextServices.close();
        exportChannel.shutdownNow();
      }
    }
  }

  private static long answeredAt(List<Outcome> outcomes) {
    return outcomes.stream().mapToLong(Outcome::at).max().orElse(0);
  }

  private static Map<Status.Code, Long> count(List<Outcome> outcomes) {
    Map<Status.Code, Long> counts = new java.util.TreeMap<>();
    for (Outcome outcome : List.copyOf(outcomes)) {
      counts.merge(outcome.code(), 1L, Long::sum);
    }
    return counts;
  }

  private static ErrorInfo errorInfo(Throwable failure) throws Exception {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    assertThat(details).as("rich status").isNotNull();
    return details.getDetailsList().stream().filter(d -> d.is(ErrorInfo.class)).findFirst().orElseThrow().unpack(ErrorInfo.class);
  }

  /**
   * A slow export reader: asks for a chunk every 2 s until {@link #readAll},
   * keeps the bytes, the rows and the last resume token it received.
   */
  private static final class ExportReader implements ClientResponseObserver<ExportCustomersRequest, ExportCustomersResponse> {
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile ClientCallStreamObserver<ExportCustomersRequest> stream;
    private volatile boolean eager;
    private volatile String lastToken = "";
    volatile long rows;
    volatile Status end;
    volatile Throwable failure;
    private Thread pacer;

    @Override
    public void beforeStart(ClientCallStreamObserver<ExportCustomersRequest> stream) {
      this.stream = stream;
      stream.disableAutoRequestWithInitial(1);
      pacer = Thread.ofPlatform().daemon(true).start(() -> {
        try {
          while (ended.getCount() > 0 && !eager) {
            Thread.sleep(2000);
            stream.request(1);
          }
        } catch (InterruptedException e) {
          // done
        }
      });
    }

    @Override
    public synchronized void onNext(ExportCustomersResponse chunk) {
      ByteString bytes = chunk.getData();
      data.writeBytes(bytes.toByteArray());
      rows += chunk.getRowCount();
      if (!chunk.getResumeToken().isEmpty()) {
        lastToken = chunk.getResumeToken();
      }
      events.add(chunk);
    }

    @Override
    public void onError(Throwable t) {
      failure = t;
      end = Status.fromThrowable(t);
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      end = Status.OK;
      ended.countDown();
    }

    boolean awaitChunks(int n) throws InterruptedException {
      for (int i = 0; i < n; i++) {
        if (events.poll(1, TimeUnit.MINUTES) == null) {
          return false;
        }
      }
      return true;
    }

    /** Reads what is left at full speed. */
    void readAll() {
      eager = true;
      stream.request(Integer.MAX_VALUE);
    }

    boolean awaitEnd() throws InterruptedException {
      return ended.await(1, TimeUnit.MINUTES);
    }

    String resumeToken() {
      return lastToken;
    }
  }
}
