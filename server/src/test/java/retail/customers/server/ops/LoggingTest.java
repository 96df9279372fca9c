package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.api.Test;

/**
 * One log: what libraries log through the JDK's own logger (Caffeine does)
 * goes through SLF4J into the server's JSON lines, not as plain text of
 * java.util.logging's beside them; and a failed cache load, which its call
 * already reports, is not logged again.
 */
class LoggingTest {
  private static final String CACHE = "com.github.benmanes.caffeine.cache.BoundedLocalCache";

  @Test
  void theJdksLoggersWriteIntoTheServersLog() {
    assertThat(System.getLogger(CACHE).getClass().getName()).startsWith("org.slf4j.");
  }

  @Test
  void theServersConfigurationLeavesFailedCacheLoadsToTheirCalls() throws Exception {
    LoggerContext server = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(server);
    configurator.doConfigure(LoggingTest.class.getResource("/logback.xml"));

    assertThat(server.getLogger(CACHE).isWarnEnabled()).isFalse();
    assertThat(server.getLogger(CACHE).isErrorEnabled()).isTrue();
    assertThat(server.getLogger("retail.customers.calls").isInfoEnabled()).as("the call log").isTrue();
  }
}
