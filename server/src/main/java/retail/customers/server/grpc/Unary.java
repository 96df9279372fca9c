package retail.customers.server.grpc;

import io.grpc.stub.StreamObserver;

/** The end of every unary method: one message, then completion. */
public final class Unary {
  private Unary() {}

  public static <T> void reply(StreamObserver<T> response, T message) {
    response.onNext(message);
    response.onCompleted();
  }
}
