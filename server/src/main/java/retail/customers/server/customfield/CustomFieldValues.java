package retail.customers.server.customfield;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.util.Map;
import java.util.Optional;
import retail.customers.server.customfield.CustomFieldDefinitions.Definition;
import retail.customers.server.validation.Dates;
import retail.customers.server.validation.Texts;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomFieldValue;

/**
 * Custom field values: checked against their definition, and stored as JSON
 * in the protobuf JSON form of {@link CustomFieldValue} (e.g.
 * {@code {"shoe_size": {"numberValue": 42.5}}}), which says its own type, so
 * reading a customer does not need the definitions.
 */
public final class CustomFieldValues {
  private static final String WRAPPER = "{\"customFields\":";
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private CustomFieldValues() {}

  /** Why {@code value} does not suit {@code definition}, if it does not. An unset value is fine (it removes it). */
  public static Optional<String> problem(Definition definition, CustomFieldValue value) {
    CustomFieldValue.ValueCase expected =
        switch (definition.type()) {
          case TEXT -> CustomFieldValue.ValueCase.TEXT_VALUE;
          case NUMBER -> CustomFieldValue.ValueCase.NUMBER_VALUE;
          case BOOLEAN -> CustomFieldValue.ValueCase.BOOLEAN_VALUE;
          case DATE -> CustomFieldValue.ValueCase.DATE_VALUE;
          default -> CustomFieldValue.ValueCase.CHOICE_VALUE;
        };
    if (value.getValueCase() == CustomFieldValue.ValueCase.VALUE_NOT_SET) {
      return Optional.empty();
    }
    if (value.getValueCase() != expected) {
      return Optional.of("must be a " + definition.type() + " value (" + fieldName(expected) + ")");
    }
    return switch (expected) {
      case TEXT_VALUE ->
          value.getTextValue().strip().codePointCount(0, value.getTextValue().strip().length()) > 1000
              ? Optional.of("must be at most 1000 characters")
              // Like notes: line breaks are fine, other control characters are not (and a NUL
              // cannot even be stored in jsonb).
              : Texts.hasControlCharacters(value.getTextValue(), true)
                  ? Optional.of("must not contain control characters")
                  : Optional.empty();
      case NUMBER_VALUE ->
          Double.isFinite(value.getNumberValue()) ? Optional.empty() : Optional.of("must be a finite number");
      case DATE_VALUE ->
          Dates.toLocalDate(value.getDateValue()).isPresent() ? Optional.empty() : Optional.of("must be a full, real date");
      case CHOICE_VALUE ->
          definition.options().contains(value.getChoiceValue())
              ? Optional.empty()
              : Optional.of("must be one of " + definition.options().stream().sorted().toList());
      default -> Optional.empty();
    };
  }

  /**
   * Whether a valid value stands for "no value": unset, or text that is empty
   * once trimmed (an empty string means "not set" throughout the API), so
   * that blanks neither get stored nor satisfy a required field.
   */
  public static boolean isEmpty(CustomFieldValue value) {
    return value.getValueCase() == CustomFieldValue.ValueCase.VALUE_NOT_SET
        || (value.hasTextValue() && value.getTextValue().isBlank());
  }

  /** The stored form of a valid value (text trimmed). */
  public static CustomFieldValue normalize(CustomFieldValue value) {
    return value.hasTextValue() ? value.toBuilder().setTextValue(value.getTextValue().strip()).build() : value;
  }

  /** The JSON object stored for {@code values}. */
  public static String toJson(Map<String, CustomFieldValue> values) {
    if (values.isEmpty()) {
      return "{}";
    }
    try {
      String wrapped = PRINTER.print(Customer.newBuilder().putAllCustomFields(values));
      // The printer writes {"customFields":{...}} for a customer with only this field set.
      return wrapped.substring(WRAPPER.length(), wrapped.length() - 1);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("custom field values cannot be printed", e);
    }
  }

  /** The values stored as {@code json}. */
  public static Map<String, CustomFieldValue> fromJson(String json) {
    if (json == null || json.equals("{}")) {
      return Map.of();
    }
    try {
      Customer.Builder holder = Customer.newBuilder();
      PARSER.merge(WRAPPER + json + "}", holder);
      return holder.getCustomFieldsMap();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored custom field values are unreadable: " + json, e);
    }
  }

  private static String fieldName(CustomFieldValue.ValueCase valueCase) {
    return valueCase.name().toLowerCase(java.util.Locale.ROOT);
  }
}
