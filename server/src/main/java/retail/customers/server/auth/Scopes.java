package retail.customers.server.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.AuditServiceGrpc;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.TaxClassServiceGrpc;

/**
 * What an API key may do, and which of it each call needs
 * (api_keys.proto lists them).
 */
public final class Scopes {
  public static final String READ = "customers.read";
  public static final String WRITE = "customers.write";
  public static final String EXPORT = "customers.export";
  public static final String ADMIN = "customers.admin";
  public static final List<String> ALL = List.of(READ, WRITE, EXPORT, ADMIN);

  /** The scope of each API method, by its full name. */
  private static final Map<String, String> NEEDED = new HashMap<>();

  static {
    String customers = CustomerServiceGrpc.SERVICE_NAME + "/";
    for (String method : List.of("GetCustomer", "BatchGetCustomers", "SearchCustomers", "ListTags", "FindDuplicateCustomers",
        "WatchCustomers")) {
      NEEDED.put(customers + method, READ);
    }
    for (String method : List.of("CreateCustomer", "UpdateCustomer", "DeleteCustomer", "UndeleteCustomer", "EraseCustomer",
        "EnsureCustomer", "MergeCustomers", "BatchCreateCustomers", "BatchUpdateCustomers", "ImportCustomers")) {
      NEEDED.put(customers + method, WRITE);
    }
    NEEDED.put(customers + "ExportCustomers", EXPORT);
    referenceData(CustomerTypeServiceGrpc.SERVICE_NAME, "CustomerType", "CustomerTypes");
    referenceData(TaxClassServiceGrpc.SERVICE_NAME, "TaxClass", "TaxClasses");
    referenceData(CustomFieldServiceGrpc.SERVICE_NAME, "CustomField", "CustomFields");
    for (String method : List.of("CreateApiKey", "GetApiKey", "ListApiKeys", "RevokeApiKey")) {
      NEEDED.put(ApiKeyServiceGrpc.SERVICE_NAME + "/" + method, ADMIN);
    }
    NEEDED.put(AuditServiceGrpc.SERVICE_NAME + "/ListAuditEvents", ADMIN);
  }

  /** Registers read what they sell to (types, tax classes, fields); changing them is the back office's. */
  private static void referenceData(String service, String one, String many) {
    NEEDED.put(service + "/Get" + one, READ);
    NEEDED.put(service + "/List" + many, READ);
    for (String verb : List.of("Create", "Update", "Delete")) {
      NEEDED.put(service + "/" + verb + one, ADMIN);
    }
  }

  private Scopes() {}

  /** The scope a method needs; empty for a method that is not the API's (health, reflection). */
  public static Optional<String> needed(String fullMethodName) {
    return Optional.ofNullable(NEEDED.get(fullMethodName));
  }

  /** Every method with a scope (to check that none of the API's is missing). */
  static Set<String> methods() {
    return NEEDED.keySet();
  }
}
