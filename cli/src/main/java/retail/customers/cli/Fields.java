package retail.customers.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import retail.customers.v1.Customer;

/**
 * {@code --set field=value}: a customer's text fields by their API path
 * ({@code email}, {@code address.city}, {@code notes}); an empty value
 * clears the field.
 */
final class Fields {
  private Fields() {}

  /** Sets each field on the customer; returns the paths set (an update's mask). */
  static List<String> apply(Customer.Builder customer, List<String> assignments) {
    List<String> paths = new ArrayList<>();
    for (String assignment : assignments) {
      int equals = assignment.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException("--set " + assignment + ": expected field=value, e.g. --set email=betty@example.com");
      }
      String path = assignment.substring(0, equals).trim();
      set(customer, path, assignment.substring(equals + 1));
      paths.add(path);
    }
    return paths;
  }

  private static void set(Message.Builder message, String path, String value) {
    int dot = path.indexOf('.');
    String name = dot < 0 ? path : path.substring(0, dot);
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    if (field == null) {
      throw new IllegalArgumentException("--set " + path + ": " + name + " is not a customer field");
    }
    if (dot >= 0) {
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
        throw new IllegalArgumentException("--set " + path + ": " + name + " has no fields of its own");
      }
      set(message.getFieldBuilder(field), path.substring(dot + 1), value);
    } else if (field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.STRING) {
      message.clearField(field);
      for (String item : value.split(",")) {
        if (!item.isBlank()) {
          message.addRepeatedField(field, item.trim());
        }
      }
    } else if (field.getJavaType() == FieldDescriptor.JavaType.STRING && !field.isRepeated()) {
      message.setField(field, value);
    } else {
      throw new IllegalArgumentException("--set " + path + ": only text fields and tags can be set from the command line;"
          + " use the API for " + name);
    }
  }
}
