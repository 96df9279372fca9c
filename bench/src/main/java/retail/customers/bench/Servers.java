package retail.customers.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import retail.customers.server.ApiServices;

/**
 * The benchmark's gRPC servers, each on event-loop threads of its own. By
 * default grpc-java's Netty servers and channels in one JVM share one group
 * of event loops, handing each connection to the next loop in turn: a
 * server whose connections happened to land on the loops of their own
 * client channels answered a call with one thread hop fewer, and two
 * servers serving as the same role measured 15% apart at one client. A
 * server in production has its process's loops to itself, as here.
 */
final class Servers {
  private Servers() {}

  /** A gRPC server on a local port and the event loops that it alone runs on. */
  record Started(Server server, EventLoopGroup boss, EventLoopGroup workers) implements AutoCloseable {
    int port() {
      return server.getPort();
    }

    /** Stops the server, then its event loops. */
    @Override
    public void close() throws InterruptedException {
      server.shutdown().awaitTermination(10, TimeUnit.SECONDS);
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code services} on a local port, on event loops of its own. */
  static Started start(ApiServices services) throws IOException {
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
        Runtime.getRuntime().availableProcessors(), epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    NettyServerBuilder builder = NettyServerBuilder.forPort(0)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .channelType(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class);
    return new Started(services.configure(builder).build().start(), boss, workers);
  }
}
