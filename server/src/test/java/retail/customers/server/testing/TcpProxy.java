package retail.customers.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy between the server and PostgreSQL, for faults: {@link #cut()}
 * drops every connection through it and turns new ones away at once (as a
 * database that is down does), {@link #restore()} lets them through again;
 * {@link #delayAnswers} holds what PostgreSQL sends back for a while (a
 * distant or busy database), so that calls stay in flight and their
 * deadlines fall between a statement and its answer.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  private volatile boolean frozen;
  private volatile long answerDelayNanos;

  public TcpProxy(String targetHost, int targetPort) throws IOException {
    this.target = new InetSocketAddress(targetHost, targetPort);
    this.listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon(true).name("tcp-proxy").start(this::accept);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** The JDBC URL {@code url} with its host and port replaced by this proxy's. */
  public String through(String url) {
    return url.replaceFirst("//[^/]+/", "//127.0.0.1:" + port() + "/");
  }

  public void cut() {
    cut = true;
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
  }

  public void restore() {
    cut = false;
  }

  /**
   * Stops passing bytes either way, and answers no new connection, while
   * keeping every connection open: PostgreSQL as a storage stall or a
   * stopped process leaves it (SIGSTOP), until {@link #thaw}.
   */
  public void freeze() {
    frozen = true;
  }

  public void thaw() {
    frozen = false;
  }

  /**
   * Holds every byte from PostgreSQL for {@code delay} before passing it on
   * (zero: none), as a delay line: throughput is kept, each answer arrives
   * that much later. What the server sends PostgreSQL passes at once.
   */
  public void delayAnswers(java.time.Duration delay) {
    answerDelayNanos = delay.toNanos();
  }

  private void awaitThaw() {
    while (frozen) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (cut) {
          closeQuietly(client);
          continue;
        }
        Socket server = new Socket();
        awaitThaw(); // a new connection waits, as one to a stopped server does
        server.connect(target, 2000);
        sockets.add(client);
        sockets.add(server);
        pipe(client, server, false);
        pipe(server, client, true);
      } catch (IOException e) {
        // listener closed, or the target refused: the client sees its socket closed
      }
    }
  }

  /** A chunk read, and when it may be passed on; an empty one ends the pipe. */
  private record Chunk(byte[] bytes, long due) {}

  private void pipe(Socket from, Socket to, boolean answers) {
    java.util.concurrent.BlockingQueue<Chunk> line = new java.util.concurrent.LinkedBlockingQueue<>();
    Thread.ofPlatform().daemon(true).name("tcp-proxy-read").start(() -> {
      byte[] buffer = new byte[16384];
      try (InputStream in = from.getInputStream()) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          line.add(new Chunk(java.util.Arrays.copyOf(buffer, n), System.nanoTime() + (answers ? answerDelayNanos : 0)));
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        line.add(new Chunk(new byte[0], 0));
      }
    });
    Thread.ofPlatform().daemon(true).name("tcp-proxy-write").start(() -> {
      try (OutputStream out = to.getOutputStream()) {
        for (Chunk chunk = line.take(); chunk.bytes().length > 0; chunk = line.take()) {
          for (long wait = chunk.due() - System.nanoTime(); wait > 0; wait = chunk.due() - System.nanoTime()) {
            Thread.sleep(java.time.Duration.ofNanos(wait));
          }
          awaitThaw();
          out.write(chunk.bytes());
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // one side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    });
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    cut();
  }
}
