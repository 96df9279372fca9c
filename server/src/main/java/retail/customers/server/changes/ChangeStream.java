package retail.customers.server.changes;

import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import retail.customers.server.auth.Caller;
import retail.customers.server.customer.CustomerMapper;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.EarlyHeaders;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.UnknownFields;
import retail.customers.server.grpc.Violations;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerView;
import retail.customers.v1.WatchCustomersRequest;

/**
 * WatchCustomers: a tenant's change stream, from a cursor, for as long as
 * the client keeps it open.
 *
 * <p>A stream reads its events a page at a time, and only while the client
 * takes them (gRPC's flow control: {@code isReady}), so a slow reader holds
 * at most a page. When it has read everything, it waits to be woken: by the
 * {@link ChangeNotifier} when its tenant's events are put in the stream,
 * or by the transport when the client is ready again.
 */
public final class ChangeStream {
  /** Events read (and held) at a time per stream. */
  static final int PAGE = 100;
  static final Duration RETENTION_CHECK = Duration.ofSeconds(30);

  private final ChangeFeed feed;
  private final ChangeNotifier notifier;
  private final Executor executor;
  private final AtomicInteger open = new AtomicInteger();
  private final Set<Watch> watches = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closing;
  private final AtomicLong sent = new AtomicLong();

  private final org.jooq.DSLContext dsl;

  /** @param executor where streams read (blocking JDBC), never the transport's threads */
  public ChangeStream(org.jooq.DSLContext dsl, ChangeNotifier notifier, Executor executor) {
    this.dsl = dsl;
    this.feed = new ChangeFeed(dsl);
    this.notifier = notifier;
    this.executor = executor;
  }

  /** How many streams are open on this server. */
  public int open() {
    return open.get();
  }

  /**
   * Ends every open stream with UNAVAILABLE and its resume cursor (the
   * server is shutting down): a client resumes on another server, from the
   * cursor in the error's metadata ({@code resume_cursor}) or from the last
   * event it received, and misses nothing. New streams are refused the same
   * way from now on.
   */
  public void closeAll() {
    closing = true;
    watches.forEach(Watch::wake);
  }

  /** How many events this server has sent, over all streams. */
  public long sent() {
    return sent.get();
  }

  public void watch(Caller caller, WatchCustomersRequest request, StreamObserver<CustomerEvent> responses) {
    UnknownFields.reject(request);
    Violations violations = new Violations();
    if (request.getFromOldest() && !request.getStartCursor().isEmpty()) {
      violations.add("from_oldest", "cannot be set with start_cursor: a stream starts at one place");
    }
    Set<CustomerEvent.Type> types = EnumSet.noneOf(CustomerEvent.Type.class);
    for (int i = 0; i < request.getTypesCount(); i++) {
      CustomerEvent.Type type = CustomerEvent.Type.forNumber(request.getTypesValue(i));
      if (type == null || type == CustomerEvent.Type.TYPE_UNSPECIFIED) {
        violations.add("types[" + i + "]", "is not a kind of event");
      } else {
        types.add(type);
      }
    }
    violations.throwIfAny();
    if (closing) {
      throw ApiException.unavailableResumable("the server is shutting down: watch again, on another server", Map.of());
    }
    UUID tenant = caller.tenantId();
    Optional<Long> retained = feed.retainedAfter(tenant);
    StreamCursor start;
    if (request.getFromOldest()) {
      start = new StreamCursor(retained.orElse(0L), null); // before the first event kept
    } else if (request.getStartCursor().isEmpty()) {
      start = ChangeSequencer.now(dsl);
    } else {
      start = StreamCursor.decode("start_cursor", request.getStartCursor());
      if (retained.isPresent() && start.position() < retained.get()) {
        throw expired();
      }
    }
    // The start is fixed: a write that returns after the client has these
    // headers commits after the start's snapshot, and is in the stream.
    EarlyHeaders.sendNow();
    new Watch(tenant, start, types, (ServerCallStreamObserver<CustomerEvent>) responses).begin();
  }

  private static ApiException expired() {
    return ApiException.cursorExpired(
        "the events after start_cursor are no longer retained: copy the customers again with ExportCustomers"
            + " and watch from its watch_cursor");
  }

  /** One open stream. */
  private final class Watch {
    private final UUID tenant;
    private final Set<CustomerEvent.Type> types;
    private final ServerCallStreamObserver<CustomerEvent> out;
    private final Context context = Context.current();
    /** Wake-ups not yet handled; a pump runs while it is above zero, on one thread at a time. */
    private final AtomicInteger wakes = new AtomicInteger();
    private volatile StreamCursor cursor;
    private volatile boolean ended;
    /** When retention was last looked at (the start looked already). */
    private long retentionChecked = System.nanoTime();
    private AutoCloseable subscription;

    Watch(UUID tenant, StreamCursor start, Set<CustomerEvent.Type> types, ServerCallStreamObserver<CustomerEvent> out) {
      this.tenant = tenant;
      this.cursor = start;
      this.types = types;
      this.out = out;
    }

    void begin() {
      open.incrementAndGet();
      watches.add(this);
      out.setOnCancelHandler(this::end);
      out.setOnReadyHandler(this::wake);
      subscription = notifier.subscribe(tenant, this::wake);
      wake();
    }

    void wake() {
      if (!ended && wakes.getAndIncrement() == 0) {
        executor.execute(context.wrap(this::drain));
      }
    }

    private void drain() {
      int missed = 1;
      do {
        try {
          pump();
        } catch (RuntimeException e) {
          fail(e);
          return;
        }
        missed = wakes.addAndGet(-missed);
      } while (missed != 0);
    }

    /** Sends events while the client takes them and there are any. */
    private void pump() {
      if (closing && !ended) {
        end();
        out.onError(ErrorMapper.toStatusException(ApiException.unavailableResumable(
            "the server is shutting down: watch again, on another server, from resume_cursor",
            Map.of("resume_cursor", cursor.encode()))));
        return;
      }
      while (!ended && out.isReady()) {
        checkRetention();
        List<ChangeFeed.Event> page = feed.read(tenant, cursor, types, PAGE);
        for (ChangeFeed.Event event : page) {
          if (!out.isReady()) {
            return; // the rest of the page is read again when the client is ready
          }
          cursor = cursor.after(event.position(), event.xid());
          out.onNext(toProto(event, cursor));
          sent.incrementAndGet();
        }
        if (page.size() < PAGE) {
          return;
        }
      }
    }

    /**
     * Ends the stream with OUT_OF_RANGE if retention has deleted events it
     * has not sent (a reader slower than the retention period), looked at
     * once per {@link #RETENTION_CHECK}: retention runs once a minute.
     */
    private void checkRetention() {
      long now = System.nanoTime();
      if (now - retentionChecked < RETENTION_CHECK.toNanos()) {
        return;
      }
      retentionChecked = now;
      Optional<Long> retained = feed.retainedAfter(tenant);
      if (retained.isPresent() && cursor.position() < retained.get()) {
        throw expired();
      }
    }

    private void fail(RuntimeException e) {
      if (!ended) {
        end();
        out.onError(ErrorMapper.toStatusException(e));
      }
    }

    private void end() {
      if (ended) {
        return;
      }
      ended = true;
      open.decrementAndGet();
      watches.remove(this);
      try {
        subscription.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static CustomerEvent toProto(ChangeFeed.Event event, StreamCursor cursor) {
    CustomerEvent.Builder out =
        CustomerEvent.newBuilder()
            .setCursor(cursor.encode())
            .setType(event.type())
            .setEventTime(ProtoTime.of(event.time()))
            .setCustomer(CustomerMapper.toProto(event.customer(), CustomerView.CUSTOMER_VIEW_FULL));
    if (event.mergedCustomer() != null) {
      out.setMergedCustomer(ResourceNames.format(ResourceNames.CUSTOMERS, event.mergedCustomer()));
    }
    return out.build();
  }
}
