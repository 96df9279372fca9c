package retail.customers.server.customfield;

import static retail.customers.db.Tables.CUSTOM_FIELD;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import retail.customers.v1.CustomField;

/**
 * The custom fields of each tenant, as customer validation needs them on
 * every create. They change rarely and are read constantly, so they are
 * cached: this process drops a tenant's entry when it changes a definition,
 * and other server processes see a change within {@link #TIME_TO_LIVE}.
 */
public final class CustomFieldDefinitions {
  static final Duration TIME_TO_LIVE = Duration.ofSeconds(10);

  /** One field: its type, its options (for choices) and whether it is required. */
  public record Definition(String id, CustomField.ValueType type, Set<String> options, boolean required) {}

  private record Cached(Map<String, Definition> definitions, Instant expires) {}

  private final Clock clock;
  private final ConcurrentHashMap<UUID, Cached> cache = new ConcurrentHashMap<>();

  public CustomFieldDefinitions(Clock clock) {
    this.clock = clock;
  }

  /** Every custom field of the tenant, by id. */
  public Map<String, Definition> load(DSLContext dsl, UUID tenantId) {
    Instant now = clock.instant();
    Cached cached = cache.get(tenantId);
    if (cached != null && cached.expires().isAfter(now)) {
      return cached.definitions();
    }
    Map<String, Definition> definitions =
        dsl.selectFrom(CUSTOM_FIELD)
            .where(CUSTOM_FIELD.TENANT_ID.eq(tenantId))
            .fetch()
            .stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    r -> r.getId(),
                    r -> new Definition(r.getId(), CustomField.ValueType.valueOf(r.getValueType()), Set.of(r.getOptions()), r.getRequired())));
    cache.put(tenantId, new Cached(definitions, now.plus(TIME_TO_LIVE)));
    return definitions;
  }

  /** Forgets the tenant's definitions (after this process changed one). */
  public void invalidate(UUID tenantId) {
    cache.remove(tenantId);
  }
}
