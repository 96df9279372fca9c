package retail.customers.server.changes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.db.Database;
import retail.customers.server.testing.TestDatabases;

/**
 * The sequencer numbers an announced write without waiting for its idle
 * run, and after a run that numbered events leaves a gap before the next,
 * so that under load one run numbers the writes of those milliseconds
 * together. Each test has a database of its own: a sequencer numbers every
 * tenant's events.
 */
class ChangeSequencerTest {
  /** Longer than any test: only announced runs happen. */
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
  void aWriteAfterAQuietSpellIsNumberedAndTheNextWaitsForTheGap() {
    try (ChangeSequencer sequencer = new ChangeSequencer(notifier, database::dedicatedConnection, NEVER, NEVER)) {
      UUID first = insertCustomer();
      sequencer.committed(tenant);
      awaitNumbered(first);

      UUID second = insertCustomer();
      sequencer.committed(tenant);
      sleep(Duration.ofSeconds(2));
      assertThat(position(second)).isNull();
    }
  }

  @Test
  void withoutAGapEachAnnouncedWriteIsNumberedByARunOfItsOwn() {
    try (ChangeSequencer sequencer = new ChangeSequencer(notifier, database::dedicatedConnection, NEVER, Duration.ZERO)) {
      for (int i = 0; i < 3; i++) {
        UUID customer = insertCustomer();
        sequencer.committed(tenant);
        awaitNumbered(customer);
      }
    }
  }

  @Test
  void writesAnnouncedDuringTheGapAreNumberedWhenItEnds() {
    try (ChangeSequencer sequencer = new ChangeSequencer(notifier, database::dedicatedConnection, NEVER, Duration.ofMillis(500))) {
      UUID first = insertCustomer();
      sequencer.committed(tenant);
      awaitNumbered(first);
      UUID second = insertCustomer();
      sequencer.committed(tenant);
      UUID third = insertCustomer();
      sequencer.committed(tenant);
      awaitNumbered(third);
      assertThat(position(second)).isEqualTo(position(first) + 1);
      assertThat(position(third)).isEqualTo(position(first) + 2);
    }
  }

  private UUID insertCustomer() {
    UUID id = UUID.randomUUID();
    database.dsl().execute("insert into customer (tenant_id, id, source, first_name) values (?, ?, 'API', 'Ann')", tenant, id);
    return id;
  }

  private Long position(UUID customer) {
    return database.dsl().resultQuery("select position from customer_event where customer_id = ?", customer).fetchOne(0, Long.class);
  }

  /** Waits for the customer's event to be numbered: long enough for a busy machine, far shorter than {@link #NEVER}. */
  private void awaitNumbered(UUID customer) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (position(customer) == null) {
      assertThat(System.nanoTime()).as("numbered within 30 s").isLessThan(deadline);
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
