package retail.customers.server;

import io.grpc.Server;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the server stops on SIGTERM (Main runs it as its shutdown hook; tests
 * run it as it is): health turns NOT_SERVING while the server goes on
 * serving for the drain period, so that load balancers move traffic away
 * before anything is refused; then open change streams end with UNAVAILABLE
 * and their resume cursor, health watches with UNAVAILABLE, and the server
 * takes no new call and lets those in flight finish for up to the grace
 * period; exports still running then end with UNAVAILABLE and their resume
 * token; anything left after that is cut.
 */
public final class GracefulShutdown implements Runnable {
  /** How long calls in flight may take to finish once the drain is over. */
  public static final Duration GRACE = Duration.ofSeconds(20);
  /** How long the exports closed at the end of the grace have to send their last status. */
  private static final Duration CLOSING = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

  private final ApiServices services;
  private final Server server;
  private final Duration drain;
  private final Duration grace;

  /**
   * @param drain how long the server serves while it reports NOT_SERVING ({@code --drain})
   * @param grace how long calls in flight may then take ({@link #GRACE})
   */
  public GracefulShutdown(ApiServices services, Server server, Duration drain, Duration grace) {
    this.services = services;
    this.server = server;
    this.drain = drain;
    this.grace = grace;
  }

  @Override
  public void run() {
    log.info("shutting down: NOT_SERVING now, serving for {} s more", drain.toSeconds());
    services.enterShutdown();
    try {
      Thread.sleep(drain);
      // Streams that never end by themselves end with UNAVAILABLE (and where to resume).
      services.closeStreams();
      log.info("shutting down: finishing calls in flight");
      server.shutdown();
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        // Exports still running end where a client can resume them.
        services.closeExports();
        if (!server.awaitTermination(CLOSING.toMillis(), TimeUnit.MILLISECONDS)) {
          server.shutdownNow().awaitTermination(CLOSING.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
