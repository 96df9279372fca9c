package retail.customers.server.grpc;

import java.util.UUID;

/**
 * Resource names such as {@code customers/0193...}: the collection, a slash
 * and the id. The tenant is never part of a name; it comes from the key.
 */
public final class ResourceNames {
  public static final String CUSTOMERS = "customers";
  public static final String CUSTOMER_TYPES = "customerTypes";
  public static final String TAX_CLASSES = "taxClasses";
  public static final String CUSTOM_FIELDS = "customFields";
  public static final String API_KEYS = "apiKeys";

  private ResourceNames() {}

  public static String format(String collection, Object id) {
    return collection + "/" + id;
  }

  /** The UUID in {@code name}, or INVALID_ARGUMENT on {@code field}. */
  public static UUID parseUuid(String name, String collection, String field) {
    UUID id = tryParseUuid(name, collection);
    if (id == null) {
      throw ApiException.invalidField(field, describe(name, collection));
    }
    return id;
  }

  /** The UUID in {@code name}, or null if it is not a name of that collection. */
  public static UUID tryParseUuid(String name, String collection) {
    String prefix = collection + "/";
    if (!name.startsWith(prefix)) {
      return null;
    }
    String id = name.substring(prefix.length());
    try {
      UUID uuid = UUID.fromString(id);
      return uuid.toString().equalsIgnoreCase(id) ? uuid : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The id part of {@code name}, or INVALID_ARGUMENT on {@code field}. */
  public static String parseId(String name, String collection, String field) {
    String prefix = collection + "/";
    if (!name.startsWith(prefix) || name.length() == prefix.length() || name.indexOf('/', prefix.length()) >= 0) {
      throw ApiException.invalidField(field, "must be a resource name like " + prefix + "{id}");
    }
    return name.substring(prefix.length());
  }

  /** Why {@code name} is not a name in {@code collection}, for a field violation. */
  public static String describe(String name, String collection) {
    return name.isEmpty()
        ? "is required: a resource name like " + collection + "/{uuid}"
        : "must be a resource name like " + collection + "/{uuid}, not \"" + name + "\"";
  }
}
