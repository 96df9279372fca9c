package retail.customers.server.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.WatchCustomersRequest;

/**
 * A client's open WatchCustomers stream: it keeps the events as they come,
 * and knows when the server sent its headers (the stream is live) and how
 * the stream ended.
 */
public final class Watcher implements AutoCloseable {
  /** The longest a test waits for something that must happen; it passes as soon as it does. */
  public static final Duration PATIENCE = Duration.ofSeconds(30);

  private final LinkedBlockingQueue<CustomerEvent> events = new LinkedBlockingQueue<>();
  private final CountDownLatch live = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private final AtomicReference<Status> status = new AtomicReference<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile ClientCallStreamObserver<WatchCustomersRequest> call;
  private final int initial;

  private Watcher(int initial) {
    this.initial = initial;
  }

  /** Asks for {@code count} more events (with a manual flow control). */
  public void request(int count) {
    call.request(count);
  }

  /** Opens a stream on {@code channel} with {@code key}, and waits until it is live (or ended). */
  public static Watcher open(Channel channel, String key, WatchCustomersRequest request) {
    return open(channel, key, request, -1);
  }

  /**
   * Like {@link #open(Channel, String, WatchCustomersRequest)}, for a client
   * that takes {@code initial} events and then only those it asks for with
   * {@link #request(int)} (gRPC's flow control); negative: every event.
   */
  public static Watcher open(Channel channel, String key, WatchCustomersRequest request, int initial) {
    Watcher watcher = new Watcher(initial);
    Channel headers = ClientInterceptors.intercept(channel, watcher.headersListener());
    CustomerServiceGrpc.newStub(headers).withCallCredentials(ApiServer.bearer(key)).watchCustomers(request, watcher.observer());
    watcher.awaitLiveOrEnd();
    return watcher;
  }

  private ClientInterceptor headersListener() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata received) {
                live.countDown();
                super.onHeaders(received);
              }
            }, headers);
          }
        };
      }
    };
  }

  private ClientResponseObserver<WatchCustomersRequest, CustomerEvent> observer() {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchCustomersRequest> requestStream) {
        call = requestStream;
        if (initial >= 0) {
          requestStream.disableAutoRequestWithInitial(initial);
        }
      }

      @Override
      public void onNext(CustomerEvent event) {
        events.add(event);
      }

      @Override
      public void onError(Throwable t) {
        failure.set(t);
        status.set(Status.fromThrowable(t));
        ended.countDown();
      }

      @Override
      public void onCompleted() {
        status.set(Status.OK);
        ended.countDown();
      }
    };
  }

  private void awaitLiveOrEnd() {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (live.await(10, TimeUnit.MILLISECONDS) || ended.getCount() == 0) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError("the stream neither went live nor ended");
  }

  public boolean isLive() {
    return live.getCount() == 0 && ended.getCount() == 1;
  }

  /** The next {@code count} events, waiting for them as long as it takes (within {@link #PATIENCE}). */
  public List<CustomerEvent> take(int count) {
    List<CustomerEvent> taken = new ArrayList<>();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    try {
      while (taken.size() < count) {
        CustomerEvent event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (event == null) {
          throw new AssertionError("got " + taken.size() + " of " + count + " events: " + taken + " (stream: " + status.get() + ")");
        }
        taken.add(event);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return taken;
  }

  /** The events that arrive within {@code quiet}: for asserting that none does (it can only pass wrongly, never fail wrongly). */
  public List<CustomerEvent> during(Duration quiet) {
    List<CustomerEvent> taken = new ArrayList<>();
    long deadline = System.nanoTime() + quiet.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        CustomerEvent event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (event != null) {
          taken.add(event);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return taken;
  }

  /** How the stream ended, waiting for it. */
  public Status awaitEnd() {
    try {
      if (!ended.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the stream did not end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return status.get();
  }

  /** How the stream failed, trailers included (null while it runs, or when it completed). */
  public Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() {
    if (call != null && ended.getCount() == 1) {
      call.cancel("test done", null);
    }
  }
}
