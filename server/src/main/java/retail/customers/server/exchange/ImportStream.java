package retail.customers.server.exchange;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import retail.customers.server.grpc.ApiException;
import retail.customers.v1.ImportCustomersRequest;
import retail.customers.v1.ImportOptions;

/**
 * The bytes of a client-streamed import as an {@link InputStream}, for a
 * parser that pulls. gRPC's automatic flow control is off: the next message
 * is requested only when the previous one has been consumed, so at most two
 * chunks are in memory however fast the client sends and however large the
 * file.
 */
final class ImportStream extends InputStream implements StreamObserver<ImportCustomersRequest> {
  private static final Object END = new Object();

  private final ServerCallStreamObserver<?> call;
  private final BlockingQueue<Object> messages = new ArrayBlockingQueue<>(4);
  private ImportOptions options;
  private ByteString current = ByteString.EMPTY;
  private int position;
  private boolean ended;

  ImportStream(ServerCallStreamObserver<?> call) {
    this.call = call;
    call.disableAutoRequest();
  }

  /** Asks the client for the first message. */
  void begin() {
    call.request(1);
  }

  // ---- the gRPC side: called on the call's executor ----

  @Override
  public void onNext(ImportCustomersRequest message) {
    messages.add(message);
  }

  @Override
  public void onError(Throwable t) {
    messages.add(t);
  }

  @Override
  public void onCompleted() {
    messages.add(END);
  }

  // ---- the parser's side: called by the importing thread ----

  /** The options of the first message; INVALID_ARGUMENT if it has none. */
  ImportOptions options() throws IOException {
    if (options == null) {
      Object first = take();
      if (!(first instanceof ImportCustomersRequest message) || !message.hasOptions()) {
        throw ApiException.invalidField("options", "the first message of an import must carry its options");
      }
      options = message.getOptions();
      current = message.getData();
    }
    return options;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] target, int offset, int length) throws IOException {
    options();
    while (position == current.size()) {
      if (ended) {
        return -1;
      }
      Object next = take();
      if (next == END) {
        ended = true;
        return -1;
      }
      current = ((ImportCustomersRequest) next).getData();
      position = 0;
    }
    int n = Math.min(length, current.size() - position);
    current.substring(position, position + n).copyTo(target, offset);
    position += n;
    return n;
  }

  private Object take() throws IOException {
    Object next;
    try {
      next = messages.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("import interrupted");
    }
    if (next instanceof Throwable t) {
      throw new IOException("the client ended the import stream", t);
    }
    if (next != END) {
      call.request(1);
    }
    return next;
  }
}
