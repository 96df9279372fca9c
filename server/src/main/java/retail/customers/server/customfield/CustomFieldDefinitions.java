package retail.customers.server.customfield;

import static retail.customers.db.Tables.CUSTOM_FIELD;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import retail.customers.v1.CustomField;

/** The custom fields of a tenant, as customer validation needs them. */
public final class CustomFieldDefinitions {
  /** One field: its type, its options (for choices) and whether it is required. */
  public record Definition(String id, CustomField.ValueType type, Set<String> options, boolean required) {}

  private CustomFieldDefinitions() {}

  /** Every custom field of the tenant, by id. */
  public static Map<String, Definition> load(DSLContext dsl, UUID tenantId) {
    return dsl.selectFrom(CUSTOM_FIELD)
        .where(CUSTOM_FIELD.TENANT_ID.eq(tenantId))
        .fetch()
        .stream()
        .collect(
            Collectors.toUnmodifiableMap(
                r -> r.getId(),
                r -> new Definition(r.getId(), CustomField.ValueType.valueOf(r.getValueType()), Set.of(r.getOptions()), r.getRequired())));
  }
}
