package retail.customers.server.auth;

import static retail.customers.db.Tables.API_KEY;
import static retail.customers.db.Tables.TENANT;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.row;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.grpc.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jooq.DSLContext;
import retail.customers.server.db.Tenancy;
import retail.customers.db.tables.records.ApiKeyRecord;
import retail.customers.server.cache.Caches;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.CallDeadlines;
import retail.customers.v1.ErrorReason;
import retail.customers.server.ids.Ids;

/**
 * Mints API keys and resolves them to their tenant.
 *
 * <p>A key is {@code ck_} followed by 256 random bits in base64url; only its
 * SHA-256 is stored. Resolved keys are cached briefly, because every call
 * needs one and a register's call must not pay a database round trip for it;
 * a key revoked on another server stops working within {@link #CACHE_TIME}
 * (on this one, at once), and an expired key at its expiry.
 */
public final class ApiKeys {
  /** How long a resolved key is trusted without looking again: what a revocation elsewhere takes to apply. */
  static final Duration CACHE_TIME = Duration.ofSeconds(1);
  private static final String PREFIX = "ck_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DSLContext dsl;
  /**
   * Resolved keys, unknown ones too: a flood of random keys must not reach
   * the database each time. Each key is looked up by one call at a time,
   * which the others of the key wait for and share, its failure too.
   */
  private final AsyncCache<String, Optional<Resolved>> cache;
  private final Clock clock;

  /** A live key as looked up: its caller, and when it expires (null: never). */
  private record Resolved(Caller caller, OffsetDateTime expireTime) {}

  public ApiKeys(DSLContext dsl, Clock clock) {
    this.dsl = dsl;
    this.clock = clock;
    this.cache = Caches.expiringAsyncAfterWrite(clock, CACHE_TIME, 10_000);
  }

  /** A new tenant with one key; returns the key, which is shown once and never stored. */
  public MintedKey createTenant(String displayName, String countryCode) {
    UUID tenantId = Ids.newId();
    return Tenancy.call(tenantId, () -> dsl.transactionResult(
        c -> {
          c.dsl()
              .insertInto(TENANT)
              .set(TENANT.ID, tenantId)
              .set(TENANT.DISPLAY_NAME, displayName)
              .set(TENANT.COUNTRY_CODE, countryCode)
              .execute();
          return mint(c.dsl(), tenantId, "first key");
        }));
  }

  /** Whether any tenant exists yet (a new embedded database has none). */
  public boolean anyTenant() {
    return dsl.resultQuery("select customers_any_tenant()").fetchSingle(0, Boolean.class);
  }

  /** A new key for an existing tenant, with every scope and no expiry. */
  public MintedKey mintKey(UUID tenantId, String displayName) {
    return Tenancy.call(tenantId, () -> dsl.transactionResult(c -> mint(c.dsl(), tenantId, displayName)));
  }

  /** A new key for an existing tenant, in the caller's transaction. */
  MintedKey mint(DSLContext tx, UUID tenantId, String displayName, List<String> scopes, OffsetDateTime expireTime) {
    MintedKey minted = mint(tx, tenantId, displayName);
    tx.update(API_KEY)
        .set(API_KEY.SCOPES, scopes.toArray(String[]::new))
        .set(API_KEY.EXPIRE_TIME, expireTime)
        .where(API_KEY.TENANT_ID.eq(tenantId), API_KEY.ID.eq(minted.keyId()))
        .execute();
    return minted;
  }

  /** One key of the tenant. */
  Optional<ApiKeyRecord> find(DSLContext dsl, UUID tenantId, UUID id) {
    return dsl.selectFrom(API_KEY).where(API_KEY.TENANT_ID.eq(tenantId), API_KEY.ID.eq(id)).fetchOptional();
  }

  /** The tenant's keys after the one with this display name and id (null: from the first), by display name. */
  List<ApiKeyRecord> page(UUID tenantId, String afterName, UUID afterId, int limit, boolean revokedToo) {
    return dsl.selectFrom(API_KEY)
        .where(API_KEY.TENANT_ID.eq(tenantId))
        .and(revokedToo ? noCondition() : API_KEY.REVOKE_TIME.isNull())
        .and(afterId == null ? noCondition() : row(API_KEY.DISPLAY_NAME, API_KEY.ID).gt(afterName, afterId))
        .orderBy(API_KEY.DISPLAY_NAME, API_KEY.ID)
        .limit(limit)
        .fetch();
  }

  /**
   * Revokes a key in the caller's transaction (a revoked key stays as it
   * was); this server stops trusting resolved keys at once, the others
   * within {@link #CACHE_TIME}.
   */
  Optional<ApiKeyRecord> revoke(DSLContext tx, UUID tenantId, UUID id) {
    tx.update(API_KEY)
        .set(API_KEY.REVOKE_TIME, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
        .where(API_KEY.TENANT_ID.eq(tenantId), API_KEY.ID.eq(id), API_KEY.REVOKE_TIME.isNull())
        .execute();
    return find(tx, tenantId, id);
  }

  /** Forgets every resolved key (after a revocation commits). */
  void forgetResolved() {
    cache.synchronous().invalidateAll();
  }

  private static MintedKey mint(DSLContext tx, UUID tenantId, String displayName) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    UUID keyId = Ids.newId();
    tx.insertInto(API_KEY)
        .set(API_KEY.TENANT_ID, tenantId)
        .set(API_KEY.ID, keyId)
        .set(API_KEY.KEY_HASH, hash(key))
        .set(API_KEY.KEY_PREFIX, key.substring(0, 10))
        .set(API_KEY.DISPLAY_NAME, displayName)
        .execute();
    return new MintedKey(tenantId, keyId, key);
  }

  /** The caller that {@code key} authenticates, if it is a live key: not revoked, not expired. */
  public Optional<Caller> resolve(String key) {
    return resolved(key)
        .filter(r -> r.expireTime() == null || clock.instant().isBefore(r.expireTime().toInstant()))
        .map(Resolved::caller);
  }

  /**
   * The key as the cache has it, else as this call looks it up, else as the
   * call already looking it up finds it. Sharing the look-up's failure is
   * what keeps an outage's calls short: each waiting to look the key up
   * again in turn, the registers' calls queued behind one another for a
   * pooled connection, 2 s each, and one passed its 5 s deadline
   * (DatabaseRestartTest). A look-up that failed because its own call ended
   * says nothing of the database: its waiters look again themselves.
   */
  private Optional<Resolved> resolved(String key) {
    while (true) {
      CompletableFuture<Optional<Resolved>> running = cache.getIfPresent(key); // every call's path: nothing allocated when cached
      if (running == null) {
        CompletableFuture<Optional<Resolved>> mine = new CompletableFuture<>();
        running = cache.asMap().putIfAbsent(key, mine);
        if (running == null) {
          try {
            mine.complete(lookUp(key));
          } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e); // the cache drops the entry; its waiters get the failure
            throw e;
          }
          return mine.join();
        }
      }
      try {
        return CallDeadlines.awaited(running);
      } catch (ApiException e) {
        if (e.reason() != ErrorReason.CALL_ENDED || Context.current().isCancelled()) {
          throw e;
        }
      }
    }
  }

  private Optional<Resolved> lookUp(String key) {
    return key.startsWith(PREFIX)
        // Across tenants: there is no tenant before the key is known (V13).
        ? dsl.resultQuery("select tenant_id, country_code, id, scopes, expire_time from customers_api_key(?)", (Object) hash(key))
            .fetchOptional(r -> new Resolved(
                new Caller(r.get(0, UUID.class), r.get(1, String.class), r.get(2, UUID.class), Set.of(r.get(3, String[].class))),
                r.get(4, OffsetDateTime.class)))
        : Optional.empty();
  }

  static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** A freshly minted key. {@code key} is the secret, shown once. */
  public record MintedKey(UUID tenantId, UUID keyId, String key) {}
}
