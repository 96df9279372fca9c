package retail.customers.server.customer;

import static retail.customers.db.Tables.CUSTOMER_TYPE;
import static retail.customers.db.Tables.TAX_CLASS;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import retail.customers.server.customfield.CustomFieldDefinitions;
import retail.customers.server.customfield.CustomFieldDefinitions.Definition;

/**
 * What a customer may refer to in its tenant: customer types, tax classes and
 * custom fields. A single write looks them up as needed; an import takes a
 * snapshot once, so that validating a million rows does not cost two million
 * queries (foreign keys still guard against a type deleted meanwhile).
 */
public interface CustomerReferences {
  boolean customerTypeExists(UUID id);

  boolean taxClassExists(UUID id);

  Map<String, Definition> customFields();

  /** Looks each reference up in the database when asked. */
  static CustomerReferences live(DSLContext dsl, UUID tenantId, CustomFieldDefinitions definitions) {
    return new CustomerReferences() {
      @Override
      public boolean customerTypeExists(UUID id) {
        return dsl.fetchExists(CUSTOMER_TYPE, CUSTOMER_TYPE.TENANT_ID.eq(tenantId), CUSTOMER_TYPE.ID.eq(id));
      }

      @Override
      public boolean taxClassExists(UUID id) {
        return dsl.fetchExists(TAX_CLASS, TAX_CLASS.TENANT_ID.eq(tenantId), TAX_CLASS.ID.eq(id));
      }

      @Override
      public Map<String, Definition> customFields() {
        return definitions.load(dsl, tenantId);
      }
    };
  }

  /** The tenant's references as they are now. */
  static CustomerReferences snapshot(DSLContext dsl, UUID tenantId, CustomFieldDefinitions definitions) {
    Set<UUID> types = Set.copyOf(dsl.select(CUSTOMER_TYPE.ID).from(CUSTOMER_TYPE).where(CUSTOMER_TYPE.TENANT_ID.eq(tenantId)).fetch(CUSTOMER_TYPE.ID));
    Set<UUID> taxClasses = Set.copyOf(dsl.select(TAX_CLASS.ID).from(TAX_CLASS).where(TAX_CLASS.TENANT_ID.eq(tenantId)).fetch(TAX_CLASS.ID));
    Map<String, Definition> fields = definitions.load(dsl, tenantId);
    return new CustomerReferences() {
      @Override
      public boolean customerTypeExists(UUID id) {
        return types.contains(id);
      }

      @Override
      public boolean taxClassExists(UUID id) {
        return taxClasses.contains(id);
      }

      @Override
      public Map<String, Definition> customFields() {
        return fields;
      }
    };
  }
}
