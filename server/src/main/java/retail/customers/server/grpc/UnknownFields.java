package retail.customers.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

/**
 * Refuses requests that carry fields this server does not know. Protobuf
 * keeps such fields silently (a newer client's filter, say); for a search or
 * an export, ignoring a filter would return more than the client asked for,
 * so AIP-160's rule applies: a filter that is not understood is an error.
 */
public final class UnknownFields {
  private UnknownFields() {}

  /** INVALID_ARGUMENT (UNSUPPORTED_FIELD) if {@code message} or any message inside it has unknown fields. */
  public static void reject(Message message) {
    reject(message, "");
  }

  private static void reject(Message message, String path) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      String where = path.isEmpty() ? "the request" : path;
      throw ApiException.unsupportedField(
          path.isEmpty() ? message.getDescriptorForType().getName() : path,
          where + " has field number(s) " + message.getUnknownFields().asMap().keySet()
              + " that this server does not know; it will not ignore them");
    }
    // Only message fields can hold more: the descriptor lists them without
    // the reflective copy of every set field that getAllFields() makes.
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.isRepeated()) {
        for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
          reject((Message) message.getRepeatedField(field, i), child(path, field) + "[" + i + "]");
        }
      } else if (message.hasField(field)) {
        reject((Message) message.getField(field), child(path, field));
      }
    }
  }

  private static String child(String path, FieldDescriptor field) {
    return path.isEmpty() ? field.getName() : path + "." + field.getName();
  }
}
