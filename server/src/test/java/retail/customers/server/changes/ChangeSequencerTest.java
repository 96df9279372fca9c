package retail.customers.server.changes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.testing.TestDatabases;

/**
 * The sequencer numbers a write announced after its last run ended at once,
 * and when writes were announced while a run was under way (load), leaves a
 * gap before the next run, so that it numbers the writes of those
 * milliseconds together. Each test has a database of its own: a sequencer
 * numbers every tenant's events.
 */
class ChangeSequencerTest {
  /** Longer than any test: only announced runs happen, and a gap never ends. */
  private static final Duration NEVER = Duration.ofHours(1);

  private Database database;
  private ChangeNotifier notifier;
  private UUID tenant;

  @BeforeEach
  void start() {
    database = TestDatabases.create();
    notifier = new ChangeNotifier(database::dedicatedConnection);
    tenant = new ApiKeys(database.dsl(), Clock.systemUTC()).createTenant("Sequenced store", "CA").tenantId();
  }

  @AfterEach
  void stop() {
    notifier.close();
    database.close();
  }

  @Test
  void writesAnnouncedOneAfterAnotherRunEachAtOnce() {
    try (ChangeSequencer sequencer = new ChangeSequencer(notifier, database::dedicatedConnection, NEVER, NEVER)) {
      for (int i = 0; i < 3; i++) {
        long runs = sequencer.runs();
        UUID customer = insertCustomer();
        sequencer.committed(tenant);
        await("numbered", () -> position(customer) != null);
        await("the run ended", () -> sequencer.runs() > runs);
      }
    }
  }

  @Test
  void aWriteAnnouncedWhileARunIsUnderWayMakesTheNextRunWaitForTheGap() throws SQLException {
    try (ChangeSequencer sequencer = new ChangeSequencer(notifier, database::dedicatedConnection, NEVER, NEVER);
        Connection holder = database.dedicatedConnection()) {
      long runs = sequencer.runs();
      // The run waits for the sequencer's row while this transaction holds it.
      holder.setAutoCommit(false);
      try (Statement lock = holder.createStatement()) {
        lock.execute("select last_position from customer_event_sequencer for update");
      }
      UUID first = insertCustomer();
      sequencer.committed(tenant);
      await("the run waits for the lock", this::sequencerWaitsForALock);
      UUID second = insertCustomer();
      sequencer.committed(tenant);
      holder.commit();
      await("the run ended", () -> sequencer.runs() > runs);
      assertThat(position(first)).isNotNull();
      assertThat(position(second)).as("committed before the run read the events").isNotNull();

      UUID third = insertCustomer();
      sequencer.committed(tenant);
      sleep(Duration.ofSeconds(2));
      assertThat(position(third)).as("held back by the gap").isNull();
    }
  }

  private boolean sequencerWaitsForALock() {
    return database.dsl().fetchExists(org.jooq.impl.DSL.selectOne().from("pg_stat_activity")
        .where("wait_event_type = 'Lock' and query like '%customer_event_sequence%'"));
  }

  private UUID insertCustomer() {
    UUID id = UUID.randomUUID();
    database.dsl().execute("insert into customer (tenant_id, id, source, first_name) values (?, ?, 'API', 'Ann')", tenant, id);
    return id;
  }

  private Long position(UUID customer) {
    return database.dsl().resultQuery("select position from customer_event where customer_id = ?", customer).fetchOne(0, Long.class);
  }

  /** Waits for the condition: long enough for a busy machine, far shorter than {@link #NEVER}. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 30 s").isLessThan(deadline);
      sleep(Duration.ofMillis(10));
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
