package retail.customers.server.idempotency;

import static retail.customers.db.Tables.IDEMPOTENT_REQUEST;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;
import retail.customers.db.tables.records.IdempotentRequestRecord;
import retail.customers.server.auth.Caller;
import retail.customers.server.db.Statements;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Fingerprint;

/**
 * Makes writes idempotent by their {@code request_id} (AIP-155): the first
 * answer is stored in the same transaction as the write, and a repeat of the
 * same request gets that answer back instead of a second write.
 *
 * <p>The answer is stored last, by an insert keyed by the request id, so a
 * write that succeeds pays one statement for its idempotency. When the key
 * is already there, the write is rolled back and the stored answer returned:
 * a retry after a success (the usual case on a flaky network) redoes the
 * work and throws it away; a retry that arrives while the first attempt
 * still runs waits on the key, then finds the finished answer. A retry whose
 * write fails (the customer changed since, its etag is stale) also gets the
 * stored answer if there is one. Failed attempts store nothing, so a retry
 * after an error runs afresh, and there is never a record of a write that did
 * not happen.
 */
public final class IdempotentRequests {
  /** How long answers are kept; AIP-155 asks for at least a day. */
  public static final Duration RETENTION = Duration.ofHours(48);

  private final Clock clock;

  public IdempotentRequests(Clock clock) {
    this.clock = clock;
  }

  /**
   * Stores an answer, unless its request id has one; returns the id when it
   * stored. Rendered once: built with jOOQ on each write, this statement
   * was a sixth of a create's CPU in the server.
   */
  private static final String STORE = Statements.render(Statements.RENDER
      .insertInto(IDEMPOTENT_REQUEST, IDEMPOTENT_REQUEST.TENANT_ID, IDEMPOTENT_REQUEST.REQUEST_ID, IDEMPOTENT_REQUEST.METHOD,
          IDEMPOTENT_REQUEST.REQUEST_HASH, IDEMPOTENT_REQUEST.RESPONSE, IDEMPOTENT_REQUEST.CUSTOMER_ID)
      .values(Statements.bind(IDEMPOTENT_REQUEST.TENANT_ID), Statements.bind(IDEMPOTENT_REQUEST.REQUEST_ID),
          Statements.bind(IDEMPOTENT_REQUEST.METHOD), Statements.bind(IDEMPOTENT_REQUEST.REQUEST_HASH),
          Statements.bind(IDEMPOTENT_REQUEST.RESPONSE), Statements.bind(IDEMPOTENT_REQUEST.CUSTOMER_ID))
      .onConflictDoNothing()
      .returningResult(IDEMPOTENT_REQUEST.REQUEST_ID));

  /**
   * Stores a batch's answers, each unless its request id has one, the
   * answers as arrays: one statement rendered once, where a VALUES list of
   * a thousand rows built with jOOQ was a tenth of a batch's CPU.
   */
  private static final String STORE_ALL =
      "insert into idempotent_request (tenant_id, request_id, method, request_hash, response, customer_id)"
          + " select ?::uuid, a.request_id, a.method, a.request_hash, a.response, a.customer_id"
          + " from unnest(?::uuid[], ?::text[], ?::bytea[], ?::bytea[], ?::uuid[]) as a (request_id, method, request_hash, response, customer_id)"
          + " on conflict do nothing returning request_id";

  /** Thrown inside a write's transaction to roll it back: the request was answered before. */
  private static final class AnsweredBefore extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AnsweredBefore() {
      super(null, null, false, false);
    }
  }

  /**
   * Runs {@code write} in a transaction of its own (a savepoint when {@code
   * dsl} is already in one), once per request id.
   *
   * @param request the whole request; its {@code request_id} field is the key
   * @param parser reads a stored answer back
   * @param subject the customer an answer is about (so an erasure can delete
   *     it), or a function returning null
   */
  public <T extends Message> T write(
      DSLContext dsl, Caller caller, Message request, Parser<T> parser, Function<T, UUID> subject,
      Function<DSLContext, T> write) {
    Key key = Key.of(request);
    if (key == null) {
      return dsl.transactionResult(c -> write.apply(c.dsl()));
    }
    try {
      return dsl.transactionResult(
          c -> {
            T response = write.apply(c.dsl());
            UUID about = subject.apply(response);
            Object[] values = {caller.tenantId(), key.id(), key.method(), key.hash(), response.toByteArray(),
                about == null ? Statements.nullOf(IDEMPOTENT_REQUEST.CUSTOMER_ID) : about};
            if (Statements.query(c.dsl(), STORE, values, rs -> true).isEmpty()) {
              throw new AnsweredBefore();
            }
            return response;
          });
    } catch (AnsweredBefore e) {
      return stored(dsl, caller, key, parser)
          .orElseThrow(() -> new IllegalStateException("the answer to request " + key.id() + " vanished"));
    } catch (RuntimeException failure) {
      Optional<T> answer = stored(dsl, caller, key, parser);
      if (answer.isPresent()) {
        return answer.get();
      }
      throw failure;
    }
  }

  /**
   * The stored answer to an earlier run of this very request, if there is
   * one: for writes that check their input before their transaction, so that
   * a retry gets its first answer even if the rules changed in between (a
   * field became required). Same request_id, different request:
   * INVALID_ARGUMENT.
   */
  public <T extends Message> Optional<T> replay(DSLContext dsl, Caller caller, Message request, Parser<T> parser) {
    Key key = Key.of(request);
    return key == null ? Optional.empty() : stored(dsl, caller, key, parser);
  }

  /** A stored answer to an earlier run of a request, or the error a reused request id gets. */
  public record Replay<T>(T answer, ApiException error) {}

  /**
   * Whether no two of {@code requests} share a request_id: a batch that
   * repeats one is written item by item, so that the repeat replays the
   * first item's answer as it would as a call of its own.
   */
  public static boolean distinctIds(List<? extends Message> requests) {
    Set<UUID> ids = new HashSet<>();
    for (Message request : requests) {
      Key key = Key.of(request);
      if (key != null && !ids.add(key.id())) {
        return false;
      }
    }
    return true;
  }

  /** The stored answers to those of {@code requests} that were answered before, by index, in one query. */
  public <T extends Message> Map<Integer, Replay<T>> storedAll(
      DSLContext dsl, Caller caller, List<? extends Message> requests, Parser<T> parser) {
    Map<UUID, Integer> byId = new HashMap<>();
    Map<Integer, Key> keys = new HashMap<>();
    for (int i = 0; i < requests.size(); i++) {
      Key key = Key.of(requests.get(i));
      if (key != null) {
        byId.put(key.id(), i);
        keys.put(i, key);
      }
    }
    Map<Integer, Replay<T>> replays = new HashMap<>();
    if (byId.isEmpty()) {
      return replays;
    }
    for (IdempotentRequestRecord previous : dsl.selectFrom(IDEMPOTENT_REQUEST)
        .where(IDEMPOTENT_REQUEST.TENANT_ID.eq(caller.tenantId()), IDEMPOTENT_REQUEST.REQUEST_ID.in(byId.keySet()))
        .fetch()) {
      int at = byId.get(previous.getRequestId());
      try {
        replays.put(at, new Replay<>(answer(previous, keys.get(at), parser), null));
      } catch (ApiException reused) {
        replays.put(at, new Replay<>(null, reused));
      }
    }
    return replays;
  }

  /**
   * Stores the answers to requests written in {@code tx} (those without a
   * request_id are skipped), in one statement. False when an id was taken
   * meanwhile by a concurrent run of the same request: the caller rolls
   * its writes back and writes item by item, which replays that answer.
   */
  public <T extends Message> boolean storeAll(
      DSLContext tx, Caller caller, List<? extends Message> requests, List<T> responses, Function<T, UUID> subject) {
    List<UUID> ids = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    List<byte[]> hashes = new ArrayList<>();
    List<byte[]> answers = new ArrayList<>();
    List<UUID> subjects = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      Key key = Key.of(requests.get(i));
      if (key != null) {
        T response = responses.get(i);
        ids.add(key.id());
        methods.add(key.method());
        hashes.add(key.hash());
        answers.add(response.toByteArray());
        subjects.add(subject.apply(response));
      }
    }
    if (ids.isEmpty()) {
      return true;
    }
    Object[] values = {caller.tenantId(), ids.toArray(UUID[]::new), methods.toArray(String[]::new), hashes.toArray(byte[][]::new),
        answers.toArray(byte[][]::new), subjects.toArray(UUID[]::new)};
    return Statements.query(tx, STORE_ALL, values, rs -> true).size() == ids.size();
  }

  /** What identifies a request: its request_id, and what it asked (method and fingerprint, to refuse a reuse). */
  private record Key(UUID id, String method, byte[] hash) {
    /** The key of {@code request}, or null when it has no request_id. */
    static Key of(Message request) {
      FieldDescriptor field = request.getDescriptorForType().findFieldByName("request_id");
      String requestId = (String) request.getField(field);
      if (requestId.isEmpty()) {
        return null;
      }
      String method = request.getDescriptorForType().getName();
      return new Key(parseRequestId(requestId), method, Fingerprint.of(request.toBuilder().clearField(field).build(), method));
    }
  }

  /** The answer stored under the key's id, if any; INVALID_ARGUMENT if it answered another request. */
  private static <T extends Message> Optional<T> stored(DSLContext dsl, Caller caller, Key key, Parser<T> parser) {
    return dsl.selectFrom(IDEMPOTENT_REQUEST)
        .where(IDEMPOTENT_REQUEST.TENANT_ID.eq(caller.tenantId()), IDEMPOTENT_REQUEST.REQUEST_ID.eq(key.id()))
        .fetchOptional()
        .map(previous -> answer(previous, key, parser));
  }

  private static <T extends Message> T answer(IdempotentRequestRecord previous, Key key, Parser<T> parser) {
    if (!previous.getMethod().equals(key.method()) || !Arrays.equals(previous.getRequestHash(), key.hash())) {
      throw ApiException.requestIdReused(key.method().replace("Request", ""));
    }
    try {
      return parser.parseFrom(previous.getResponse());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored answer of request " + previous.getRequestId() + " is unreadable", e);
    }
  }

  /** Deletes answers older than {@link #RETENTION}; returns how many. */
  public int purgeExpired(DSLContext dsl) {
    OffsetDateTime cutoff = OffsetDateTime.ofInstant(clock.instant().minus(RETENTION), ZoneOffset.UTC);
    // Across tenants, through the owner's function (V13).
    return dsl.resultQuery("select idempotent_request_expire({0})", org.jooq.impl.DSL.val(cutoff)).fetchSingle(0, Integer.class);
  }

  /** Deletes the stored answers about a customer (its erasure must not leave copies behind). */
  public static void forgetCustomer(DSLContext tx, UUID tenantId, UUID customerId) {
    tx.deleteFrom(IDEMPOTENT_REQUEST)
        .where(IDEMPOTENT_REQUEST.TENANT_ID.eq(tenantId), IDEMPOTENT_REQUEST.CUSTOMER_ID.eq(customerId))
        .execute();
  }

  /** Parses a client's request id: a UUID in its canonical text form. */
  public static UUID parseRequestId(String requestId) {
    try {
      UUID id = UUID.fromString(requestId);
      if (id.toString().equalsIgnoreCase(requestId)) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw ApiException.invalidField("request_id", "must be a UUID such as 3f1c0a6e-8a5b-4c3d-9e2f-1a2b3c4d5e6f");
  }
}
