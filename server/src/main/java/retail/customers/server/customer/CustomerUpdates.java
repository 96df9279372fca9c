package retail.customers.server.customer;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.FieldMaskUtil;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import retail.customers.server.grpc.ApiException;
import retail.customers.server.grpc.Violations;
import retail.customers.v1.Customer;

/**
 * Applies an update mask (AIP-134) to a customer: the fields it names take the
 * request's values (an unset value clears the field), every other field keeps
 * its stored value.
 *
 * <p>Paths may go into messages ({@code address.city},
 * {@code marketing_consents.email}) and into the custom field map
 * ({@code custom_fields.shoe_size}), which protobuf's own FieldMaskUtil does
 * not handle.
 */
final class CustomerUpdates {
  /** The top-level fields a client may write; the rest are output only, or set once. */
  static final Set<String> WRITABLE =
      Set.of(
          "first_name", "last_name", "title", "company", "company_registration_number", "vat_number", "birth_date",
          "home_phone", "work_phone", "mobile_phone", "pager", "fax", "address", "website", "email", "secondary_email",
          "customer_type", "discount_percent", "tax_class", "custom_identifier", "external_reference", "tags",
          "marketing_consents", "custom_fields", "notes");

  private static final String CUSTOM_FIELDS = "custom_fields";
  private static final FieldMaskUtil.MergeOptions REPLACE =
      new FieldMaskUtil.MergeOptions()
          .setReplaceMessageFields(true)
          .setReplaceRepeatedFields(true)
          .setReplacePrimitiveFields(true);

  private CustomerUpdates() {}

  /** The customer after the update, and whether its custom field values were touched. */
  record Result(Customer customer, boolean customFieldsChanged) {}

  static Result apply(FieldMask mask, Customer input, Customer current) {
    List<String> paths = paths(mask, input);
    List<String> standard = new ArrayList<>();
    List<String> customFieldKeys = new ArrayList<>();
    Violations violations = new Violations();
    for (String path : paths) {
      String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
      if (path.endsWith(".")) {
        // FieldMaskUtil reads "address." as "address", which would clear the whole address.
        violations.add("update_mask", "\"" + path + "\" is not a field path");
      } else if (!WRITABLE.contains(top)) {
        violations.add("update_mask", describe(top) + "; updatable: " + String.join(", ", WRITABLE.stream().sorted().toList()));
      } else if (top.equals(CUSTOM_FIELDS) && !path.equals(CUSTOM_FIELDS)) {
        customFieldKeys.add(path.substring(CUSTOM_FIELDS.length() + 1));
      } else if (!FieldMaskUtil.isValid(Customer.class, path)) {
        violations.add("update_mask", "\"" + path + "\" is not a field of Customer");
      } else {
        standard.add(path);
      }
    }
    violations.throwIfAny();
    Customer.Builder merged = current.toBuilder();
    if (!standard.isEmpty()) {
      FieldMaskUtil.merge(FieldMask.newBuilder().addAllPaths(standard).build(), input, merged, REPLACE);
    }
    for (String key : customFieldKeys) {
      if (input.containsCustomFields(key)) {
        merged.putCustomFields(key, input.getCustomFieldsOrThrow(key));
      } else {
        merged.removeCustomFields(key);
      }
    }
    boolean customFieldsChanged = !customFieldKeys.isEmpty() || standard.contains(CUSTOM_FIELDS);
    return new Result(merged.build(), customFieldsChanged);
  }

  /** The mask's paths; {@code *} is every writable field, an empty mask the writable fields set in the input. */
  private static List<String> paths(FieldMask mask, Customer input) {
    Set<String> paths = new LinkedHashSet<>();
    if (mask.getPathsCount() == 0) {
      for (FieldDescriptor field : input.getAllFields().keySet()) {
        if (WRITABLE.contains(field.getName())) {
          paths.add(field.getName());
        }
      }
    }
    for (String path : mask.getPathsList()) {
      if (path.equals("*")) {
        paths.addAll(WRITABLE);
      } else {
        paths.add(path);
      }
    }
    if (paths.isEmpty()) {
      throw ApiException.invalidField("update_mask", "names no field to update");
    }
    return new ArrayList<>(paths);
  }

  private static String describe(String top) {
    return switch (top) {
      case "source" -> "source is set at creation and cannot change";
      case "name", "create_time", "update_time", "delete_time", "archived", "erase_time", "merged_into", "merged_customers", "etag",
          "effective_discount_percent", "effective_discount_source", "effective_tax_class", "effective_tax_class_source" ->
          top + " is output only";
      default -> "\"" + top + "\" is not a field of Customer";
    };
  }
}
