package retail.customers.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;

import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jooq.Record2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.db.EmbeddedDatabase;
import retail.customers.server.db.ServingRole;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TcpProxy;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CustomerServiceGrpc;

/**
 * Under load, creates whose deadline passes or whose client cancels while
 * their write is on its way: a client that saw DEADLINE_EXCEEDED or
 * CANCELLED may still find its customer stored only if the server had
 * started the commit before the call ended (the answer was then lost, as
 * on any network, and a retry with the request id returns it). The server
 * must never start a commit after the call ended.
 *
 * <p>How "after" is judged, from the records of both sides: the call's end
 * is the moment the server's own context for it was cancelled (recorded by
 * an interceptor around the server's), the commit is PostgreSQL's commit
 * timestamp of the row's transaction ({@code track_commit_timestamp}), on
 * the same machine's clock. PostgreSQL's answers come back through a proxy
 * that holds them {@link #ANSWER_DELAY}, so a deadline often falls between
 * a statement and its answer, and the commit that followed would come well
 * after the end; what the server sends PostgreSQL passes at once, so a
 * commit started before the end is stamped within {@link #COMMIT_TRANSIT}
 * of it (a commit stamped between the end and that bound is reported, not
 * counted: it may have been sent just before).
 */
class LateCommitsTest {
  /** Calls raced against their deadlines or cancels; 2,000 in the full run (-Dfaults.scale=10). */
  private static final int CALLS = 200 * Integer.getInteger("faults.scale", 1);
  private static final int CLIENTS = 8;
  private static final Duration ANSWER_DELAY = Duration.ofMillis(100);
  private static final Duration COMMIT_TRANSIT = Duration.ofMillis(20);

  private static EmbeddedDatabase postgres;
  private static Database owner;
  private static TcpProxy proxy;
  private static Database serving;
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;
  private static final CallEnds ends = new CallEnds();

  /** When the server's context of each create ended (cancelled, expired or completed), by request id. */
  private static final class CallEnds implements ServerInterceptor {
    final Map<String, Instant> endedAt = new ConcurrentHashMap<>();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(Q message) {
          if (message instanceof CreateCustomerRequest create) {
            Context.current().addListener(ended -> endedAt.put(create.getRequestId(), Instant.now()), Runnable::run);
          }
          super.onMessage(message);
        }
      };
    }
  }

  /**
   * Waits until the server has no transaction open or statement running
   * for a while (longer than an answer takes through the proxy): its calls
   * have stopped, nothing more will commit.
   */
  private static void awaitQuietServer() throws InterruptedException {
    long quietSince = System.nanoTime();
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() - quietSince < 3 * ANSWER_DELAY.toNanos()) {
      Number busy = (Number) owner.dsl().fetchValue(
          "select count(*)::int from pg_stat_activity where datname = current_database() and usename = {0} and state <> 'idle'",
          ServingRole.EMBEDDED);
      if (busy.intValue() > 0) {
        quietSince = System.nanoTime();
      }
      assertThat(System.nanoTime()).as("the server's calls stopped").isLessThan(until);
      Thread.sleep(10);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    // A PostgreSQL of this test's own: the commit timestamps need track_commit_timestamp, which only a restart sets.
    postgres = EmbeddedDatabase.startTemporary();
    TestDatabases.migrate(postgres.jdbcUrl("postgres"));
    owner = Database.connect(postgres.jdbcUrl("postgres"), null, null, 2, Duration.ofSeconds(30), TestDatabases.POOL_WAIT);
    proxy = new TcpProxy("127.0.0.1", postgres.port());
    serving = Database.connect(proxy.through(postgres.jdbcUrl("postgres", ServingRole.EMBEDDED)), null, null, 8, Duration.ofSeconds(30),
        TestDatabases.POOL_WAIT);
    services = new ApiServices(serving, Clock.systemUTC(),
        new ApiServices.Settings(CountBudget.unbounded(), Duration.ofDays(7), Duration.ofHours(1), 0, 0));
    String name = InProcessServerBuilder.generateName();
    server = services.configure(InProcessServerBuilder.forName(name)).intercept(ends).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    serving.close();
    proxy.close();
    owner.close();
    postgres.close();
  }

  @Test
  void noCreateStartsItsCommitAfterItsCallHasEnded() throws Exception {
    ApiKeys.MintedKey store = services.apiKeys().createTenant("Late commits store", "CA");
    CustomerServiceGrpc.CustomerServiceBlockingStub customers =
        CustomerServiceGrpc.newBlockingStub(channel).withCallCredentials(ApiServer.bearer(store.key()));
    String prefix = "late-" + UUID.randomUUID() + "-";
    proxy.delayAnswers(ANSWER_DELAY);
    // How long a create takes here: the deadlines and cancels are spread around it.
    List<Long> warmUp = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long begun = System.nanoTime();
      Customers.create(customers.withDeadlineAfter(60, TimeUnit.SECONDS), Customers.minimal());
      warmUp.add(System.nanoTime() - begun);
    }
    long typical = warmUp.stream().sorted().toList().get(warmUp.size() / 2);

    Map<String, Status.Code> seen = new ConcurrentHashMap<>();
    ScheduledExecutorService cancels = Executors.newSingleThreadScheduledExecutor();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        String requestId = UUID.randomUUID().toString();
        CreateCustomerRequest request = CreateCustomerRequest.newBuilder().setRequestId(requestId)
            .setCustomer(Customers.valid().setExternalReference(prefix + requestId)).build();
        boolean cancel = i % 2 == 1;
        work.add(clients.submit(() -> {
          long after = (long) (typical * ThreadLocalRandom.current().nextDouble(0.5, 5.0));
          Context.CancellableContext call = Context.current().withCancellation();
          try {
            if (cancel) {
              cancels.schedule(() -> call.cancel(null), after, TimeUnit.NANOSECONDS);
            }
            call.run(() -> {
              try {
                (cancel ? customers.withDeadlineAfter(60, TimeUnit.SECONDS) : customers.withDeadlineAfter(after, TimeUnit.NANOSECONDS))
                    .createCustomer(request);
                seen.put(requestId, Status.Code.OK);
              } catch (StatusRuntimeException e) {
                seen.put(requestId, e.getStatus().getCode());
              }
            });
          } finally {
            call.cancel(null);
          }
        }));
      }
      for (Future<?> f : work) {
        f.get(10, TimeUnit.MINUTES);
      }
      awaitQuietServer();
    } finally {
      proxy.delayAnswers(Duration.ZERO);
      clients.shutdownNow();
      cancels.shutdownNow();
    }

    Map<String, OffsetDateTime> committed = new ConcurrentHashMap<>();
    for (Record2<String, OffsetDateTime> row : owner.dsl()
        .select(CUSTOMER.EXTERNAL_REFERENCE,
            org.jooq.impl.DSL.field("pg_xact_commit_timestamp({0})", OffsetDateTime.class,
                org.jooq.impl.DSL.field("{0}.xmin", Object.class, CUSTOMER)))
        .from(CUSTOMER).where(CUSTOMER.EXTERNAL_REFERENCE.startsWith(prefix)).fetch()) {
      committed.put(row.value1().substring(prefix.length()), row.value2());
    }
    int ok = 0;
    int ended = 0;
    int storedBeforeEnd = 0;
    int stampedJustAfterEnd = 0;
    int late = 0;
    Map<Status.Code, Integer> other = new java.util.TreeMap<>();
    for (Map.Entry<String, Status.Code> call : seen.entrySet()) {
      Status.Code code = call.getValue();
      if (code == Status.Code.OK) {
        ok++;
        assertThat(committed).as("an acknowledged create is stored").containsKey(call.getKey());
        continue;
      }
      if (code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.CANCELLED) {
        other.merge(code, 1, Integer::sum);
        continue;
      }
      ended++;
      OffsetDateTime commit = committed.get(call.getKey());
      if (commit == null) {
        continue;
      }
      Instant end = ends.endedAt.get(call.getKey());
      if (end == null || !commit.toInstant().isAfter(end)) {
        storedBeforeEnd++; // the server's context never ended (the answer raced the client's deadline), or ended after the commit
      } else if (!commit.toInstant().isAfter(end.plus(COMMIT_TRANSIT))) {
        stampedJustAfterEnd++;
      } else {
        late++;
      }
    }
    System.out.printf("late commits: %d creates (answers delayed %d ms, a create took %.0f ms), %d OK, %d ended by deadline or cancel;"
            + " of those stored: %d committed before the call ended, %d stamped within %d ms after it, %d committed after it;"
            + " other codes %s%n",
        CALLS, ANSWER_DELAY.toMillis(), typical / 1e6, ok, ended, storedBeforeEnd, stampedJustAfterEnd, COMMIT_TRANSIT.toMillis(),
        late, other);
    assertThat(ended).as("calls ended by their deadline or cancel").isGreaterThanOrEqualTo(CALLS / 10);
    assertThat(ok).as("calls that finished").isPositive();
    assertThat(other).as("codes other than OK, DEADLINE_EXCEEDED and CANCELLED").isEmpty();
    assertThat(late).as("rows committed after their call had ended").isZero();
  }
}
