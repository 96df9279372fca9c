package retail.customers.server.changes;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.TestDatabases;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.Watcher;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerEvent;
import retail.customers.v1.WatchCustomersRequest;

/**
 * Two server processes on one database, as replicas behind a load balancer
 * run: the second is the real server (its Main, in a JVM of its own, over
 * Netty), sharing nothing with this one but PostgreSQL. A change made
 * through one reaches a stream open on the other, and a stream cut off on
 * one resumes on the other without a loss or a repeat.
 */
class TwoServersTest {
  @RegisterExtension static final ApiServer first = new ApiServer();
  private static Process second;
  private static ManagedChannel secondChannel;

  @BeforeAll
  static void startSecond() throws Exception {
    String database = first.database().dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    second = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            "retail.customers.server.Main", "--database-url", TestDatabases.urlOf(database), "--port", "0", "--no-metrics",
            "--pool-size", "4", "--rate-limit", "0", "--plaintext")
        .redirectErrorStream(true)
        .start();
    BufferedReader output = new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8));
    Matcher listening = null;
    for (String line = output.readLine(); line != null; line = output.readLine()) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        listening = m;
        break;
      }
    }
    assertThat(listening).as("the second server started").isNotNull();
    int port = Integer.parseInt(listening.group(1));
    Thread.ofPlatform().daemon(true).start(() -> output.lines().forEach(line -> {})); // keep its output flowing
    secondChannel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  @AfterAll
  static void stopSecond() throws Exception {
    if (secondChannel != null) {
      secondChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (second != null) {
      second.destroy();
      if (!second.waitFor(30, TimeUnit.SECONDS)) {
        second.destroyForcibly();
      }
    }
  }
  private static Customer createOnFirst(ApiKeys.MintedKey store, String name) {
    return Customers.create(first.customers(store.key()), Customers.minimal().setFirstName(name));
  }

  @Test
  void aChangeThroughOneServerReachesAStreamOnTheOtherInOrder() {
    ApiKeys.MintedKey store = first.tenantA();
    try (Watcher onSecond = Watcher.open(secondChannel, store.key(), WatchCustomersRequest.getDefaultInstance())) {
      List<String> made = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        made.add(createOnFirst(store, "Twin" + i).getName());
      }

      assertThat(onSecond.take(10)).extracting(e -> e.getCustomer().getName()).containsExactlyElementsOf(made);
    }
  }

  @Test
  void aStreamKilledMidFlightResumesOnTheOtherServerWithNothingLostOrRepeated() throws Exception {
    ApiKeys.MintedKey store = first.tenantB();
    List<String> made = new ArrayList<>();
    List<CustomerEvent> seen = new ArrayList<>();
    Thread writer = Thread.ofPlatform().start(() -> {
      for (int i = 0; i < 60; i++) {
        made.add(createOnFirst(store, "Resume" + i).getName());
      }
    });
    try (Watcher onFirst = Watcher.open(first.channel(), store.key(), WatchCustomersRequest.newBuilder().setFromOldest(true).build())) {
      seen.addAll(onFirst.take(20));
    } // cut off while the writer goes on
    String cursor = seen.getLast().getCursor();
    try (Watcher onSecond = Watcher.open(secondChannel, store.key(), WatchCustomersRequest.newBuilder().setStartCursor(cursor).build())) {
      seen.addAll(onSecond.take(40));
      writer.join();
      assertThat(onSecond.during(java.time.Duration.ofMillis(200))).isEmpty();
    }

    assertThat(seen).extracting(e -> e.getCustomer().getName()).containsExactlyElementsOf(made);
  }
}
