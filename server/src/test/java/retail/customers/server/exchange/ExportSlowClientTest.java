package retail.customers.server.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.exchange.ExchangeFixtures.await;
import static retail.customers.server.exchange.ExchangeFixtures.exportRequest;
import static retail.customers.server.exchange.ExchangeFixtures.text;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retail.customers.server.ApiServices;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.search.CountBudget;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.TestDatabases;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.ExportCustomersResponse;

/**
 * An export goes at the pace the client reads it (ExportCustomers), however
 * long that takes: the statement timeout that bounds every other query must
 * not cut off a client that is merely slow. The server here has a statement
 * timeout of two seconds, and a file too large for the socket buffers, so
 * that PostgreSQL is still writing the COPY while the client pauses.
 */
class ExportSlowClientTest {
  private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(2);
  private static final int CUSTOMERS = 5000;

  private static String databaseName;
  private static Database database;
  private static ApiServices services;
  private static Server server;
  private static ManagedChannel channel;
  private static ApiKeys.MintedKey key;

  @BeforeAll
  static void start() throws Exception {
    try (Database template = TestDatabases.create()) {
      databaseName = template.dsl().fetchValue(org.jooq.impl.DSL.field("current_database()", String.class));
    }
    database = Database.connect(TestDatabases.urlOf(databaseName), null, null, 4, STATEMENT_TIMEOUT, TestDatabases.POOL_WAIT);
    services = new ApiServices(database, Clock.systemUTC(), ApiServices.Settings.DEFAULT.withCountBudget(CountBudget.unbounded()).withRateLimit(0, 0));
    String name = InProcessServerBuilder.generateName();
    server = services.configure(InProcessServerBuilder.forName(name)).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    key = services.apiKeys().createTenant("Slow store", "CA");
    // About 10 MB of CSV: rows with long notes.
    database.dsl().transaction(c -> {
      DSLContext tx = c.dsl();
      tx.execute("set local statement_timeout = 0");
      tx.execute(
          "insert into customer (tenant_id, id, source, first_name, last_name, notes)"
              + " select ?::uuid, gen_random_uuid(), 'IMPORT', 'Row', 'Slow ' || lpad(i::text, 5, '0'), repeat('Lorem ipsum ', 170)"
              + " from generate_series(1, ?) i",
          key.tenantId().toString(), CUSTOMERS);
    });
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    services.close();
    database.close();
    TestDatabases.drop(databaseName);
  }

  private static List<Record> exportBackends() {
    return database.dsl().fetch(
        "select state, wait_event from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
            + " and query ilike 'copy (%' and state in ('active', 'idle in transaction')");
  }

  @Test
  void aClientSlowerThanTheStatementTimeoutStillGetsTheWholeFile() throws Exception {
    ExchangeFixtures.SlowExport slow = new ExchangeFixtures.SlowExport();
    CustomerServiceGrpc.newStub(channel).withCallCredentials(ApiServer.bearer(key.key()))
        .exportCustomers(exportRequest().build(), slow);
    List<ExportCustomersResponse> chunks = new ArrayList<>(List.of(slow.take()));
    await("PostgreSQL waits to write the rest", Duration.ofSeconds(10),
        () -> exportBackends().stream().anyMatch(r -> "ClientWrite".equals(r.get("wait_event"))));

    // The client reads nothing for longer than any statement may run.
    Thread.sleep(STATEMENT_TIMEOUT.toMillis() + 1000);
    chunks.addAll(slow.drain());

    assertThat(chunks.stream().mapToLong(ExportCustomersResponse::getRowCount).sum()).isEqualTo(CUSTOMERS);
    List<Map<String, String>> rows = ExchangeFixtures.rows(text(chunks));
    assertThat(rows).hasSize(CUSTOMERS);
    assertThat(rows.getLast()).containsEntry("Last name", "Slow 05000")
        .containsEntry("Notes", "Lorem ipsum ".repeat(170));
  }
}
