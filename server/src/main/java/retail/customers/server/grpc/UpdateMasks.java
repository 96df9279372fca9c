package retail.customers.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Update masks (AIP-134) of the simple resources: which top-level fields an
 * update changes. An empty mask means the fields set in the request, {@code *}
 * every writable field; any other path must be a writable field.
 */
public final class UpdateMasks {
  private UpdateMasks() {}

  /** The paths to apply, or INVALID_ARGUMENT on {@code update_mask}. */
  public static Set<String> resolve(FieldMask mask, Message resource, Set<String> writable) {
    Set<String> paths = new LinkedHashSet<>();
    if (mask.getPathsCount() == 0) {
      for (FieldDescriptor field : resource.getAllFields().keySet()) {
        if (writable.contains(field.getName())) {
          paths.add(field.getName());
        }
      }
      return paths;
    }
    List<String> unknown = new ArrayList<>();
    for (String path : mask.getPathsList()) {
      if (path.equals("*")) {
        paths.addAll(writable);
      } else if (writable.contains(path)) {
        paths.add(path);
      } else {
        unknown.add(path);
      }
    }
    if (!unknown.isEmpty()) {
      throw ApiException.invalidField(
          "update_mask", "cannot update " + String.join(", ", unknown) + "; updatable fields: " + String.join(", ", writable));
    }
    return paths;
  }
}
