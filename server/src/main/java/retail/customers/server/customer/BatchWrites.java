package retail.customers.server.customer;

import static org.jooq.impl.DSL.val;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import retail.customers.server.auth.Caller;
import retail.customers.server.db.Database;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.ErrorMapper;
import retail.customers.server.ops.Failures;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.ErrorReason;

/**
 * Runs a batch's items in one transaction, each behind its own savepoint: an
 * item that fails is rolled back alone and reported in its result, and one
 * commit makes the others durable together (far cheaper than a commit per
 * item). Where the call can write every item at once (creates: one INSERT
 * for all; updates: one locking SELECT, the UPDATEs in one JDBC batch), it does, in a savepoint; when that cannot give every item its
 * own result (a constraint fails), the savepoint is rolled back and the
 * items are written one by one.
 *
 * <p>A tenant's batches run one at a time: each item's statement triggers
 * lock the tenant's count shards and tag counts, in an order that differs
 * from batch to batch, and 16 batches at once deadlocked item after item.
 * They wait for their turn first on this server, holding no database
 * connection (16 of them waiting in the database held the whole pool, and
 * every other call ran out of connections), then on a transaction-scoped
 * advisory lock that orders the servers. An item that still meets a
 * deadlock (with a single write) is tried once more from its savepoint. A
 * batch whose call ends (deadline, cancel) stops and writes nothing.
 */
public final class BatchWrites {
  private static final Logger log = LoggerFactory.getLogger(BatchWrites.class);
  /** One item's write, in the batch's transaction. */
  @FunctionalInterface
  interface ItemWrite<Q> {
    Customer apply(DSLContext tx, Q item);
  }

  /**
   * Every item's write at once, in a savepoint of the batch's transaction:
   * results as the items' writes would give them, or empty to have them
   * written one by one instead (so is a failure).
   */
  @FunctionalInterface
  interface BulkWrite<Q> {
    Optional<List<CustomerResult>> apply(DSLContext tx, List<Q> items);
  }

  private final DSLContext dsl;
  private final Counter repeats;
  private final Counter failures;
  /** Each tenant's batch turn on this server. */
  private final LoadingCache<UUID, Semaphore> turns = Caffeine.newBuilder().weakValues().build(tenant -> new Semaphore(1, true));

  /** @param metrics counts the batches written item by item, and why */
  public BatchWrites(DSLContext dsl, MeterRegistry metrics) {
    this.dsl = dsl;
    this.repeats = itemByItem(metrics, "repeats");
    this.failures = itemByItem(metrics, "failure");
  }

  private static Counter itemByItem(MeterRegistry metrics, String reason) {
    return Counter.builder("customers.batches.item_by_item")
        .description("batches written item by item: they repeat a request id or a customer, or their bulk write failed")
        .tag("reason", reason)
        .register(metrics);
  }

  /** Writes the items at once when {@code bulk} can, else one by one. */
  <Q> List<CustomerResult> write(Caller caller, List<Q> items, BulkWrite<Q> bulk, ItemWrite<Q> write) {
    Semaphore turn = turns.get(caller.tenantId());
    awaitTurn(turn);
    try {
      return dsl.transactionResult(
          c -> {
            // The wait for the servers' turn is bounded by the call's deadline
            // (and the statement timeout), not by the sessions' lock timeout,
            // which a queue of long batches outlasts; the items' own row
            // locks keep that timeout.
            c.dsl().resultQuery(
                    "select set_config('lock_timeout', '0', true), pg_advisory_xact_lock(hashtextextended({0}, 0)),"
                        + " set_config('lock_timeout', {1}, true)",
                    val("batch/" + caller.tenantId()), val(Long.toString(Database.LOCK_TIMEOUT.toMillis())))
                .fetch();
            Optional<List<CustomerResult>> all = bulk(c.dsl(), items, bulk);
            if (all.isPresent()) {
              return all.get();
            }
            List<CustomerResult> results = new ArrayList<>(items.size());
            for (Q item : items) {
              results.add(item(c.dsl(), item, write));
            }
            return results;
          });
    } finally {
      turn.release();
    }
  }

  /** The bulk write's results, or empty with its savepoint rolled back. */
  private <Q> Optional<List<CustomerResult>> bulk(DSLContext tx, List<Q> items, BulkWrite<Q> bulk) {
    try {
      return tx.transactionResult(s -> {
        Optional<List<CustomerResult>> results = bulk.apply(s.dsl(), items);
        if (results.isEmpty()) {
          throw new NotInBulk();
        }
        return results;
      });
    } catch (NotInBulk e) {
      repeats.increment();
      return Optional.empty();
    } catch (RuntimeException e) {
      ApiException failure = ErrorMapper.toApiException(e);
      if (failure.reason() == ErrorReason.CALL_ENDED) {
        throw failure;
      }
      // The items one by one find whose it was; a failure that no item
      // meets shows here as a batch written item by item.
      log.info("batch of {} written item by item: {}", items.size(), Failures.describe(e));
      failures.increment();
      return Optional.empty();
    }
  }

  /** Rolls the bulk write's savepoint back. */
  private static final class NotInBulk extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotInBulk() {
      super(null, null, false, false);
    }
  }

  static CustomerResult success(Customer customer) {
    return CustomerResult.newBuilder().setCustomer(customer).build();
  }

  static CustomerResult failure(RuntimeException e) {
    return CustomerResult.newBuilder().setError(ErrorMapper.toStatusProto(e)).build();
  }

  /** Takes the tenant's turn on this server, waiting no longer than the call's deadline. */
  private static void awaitTurn(Semaphore turn) {
    Context call = Context.current();
    Deadline deadline = call.getDeadline();
    try {
      if (deadline == null) {
        turn.acquire();
      } else if (!turn.tryAcquire(deadline.timeRemaining(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS)) {
        throw ApiException.callEnded(Status.Code.DEADLINE_EXCEEDED,
            "the call's deadline passed while it waited for the tenant's earlier batches");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ErrorMapper.callEnded(call);
    }
  }

  private static <Q> CustomerResult item(DSLContext tx, Q item, ItemWrite<Q> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return success(write.apply(tx, item));
      } catch (RuntimeException e) {
        ApiException failure = ErrorMapper.toApiException(e);
        if (failure.reason() == ErrorReason.CALL_ENDED) {
          throw failure; // the whole batch is rolled back
        }
        if (attempt == 1 && ErrorMapper.isDeadlock(e)) {
          continue;
        }
        return failure(failure);
      }
    }
  }
}
