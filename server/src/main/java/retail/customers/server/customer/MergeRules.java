package retail.customers.server.customer;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;

/**
 * What a survivor holds after a merge, from the two customers' details
 * (MergeCustomers states the rules): a field set on one only is taken; set on
 * both, the caller's choice decides, else the customer updated more recently.
 * The address and each custom field value are taken whole; tags are united;
 * each marketing channel takes the more recent explicit decision.
 */
final class MergeRules {
  private static final String CUSTOM_FIELDS = "custom_fields";
  /** The fields merged by presence and choice; tags, custom fields and consents have rules of their own. */
  static final Set<String> CHOSEN =
      CustomerUpdates.WRITABLE.stream().filter(f -> !Set.of("tags", CUSTOM_FIELDS, "marketing_consents").contains(f))
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  /** Which customer's value a path takes when both have one. */
  record Choices(Set<String> survivor, Set<String> merged, boolean mergedIsNewer) {
    boolean takeMerged(String path) {
      return merged.contains(path) || !survivor.contains(path) && mergedIsNewer;
    }
  }

  private MergeRules() {}

  /** Whether {@code path} is one a merge's choice can name: a field merged by choice, or one custom field. */
  static boolean choosable(String path) {
    return CHOSEN.contains(path) || path.startsWith(CUSTOM_FIELDS + ".") && path.length() > CUSTOM_FIELDS.length() + 1;
  }

  static Customer combine(Customer survivor, Customer merged, Choices choices) {
    Customer.Builder out = survivor.toBuilder();
    for (String name : CHOSEN) {
      FieldDescriptor field = Customer.getDescriptor().findFieldByName(name);
      boolean survivorHas = has(survivor, field);
      boolean mergedHas = has(merged, field);
      if (mergedHas && (!survivorHas || !survivor.getField(field).equals(merged.getField(field)) && choices.takeMerged(name))) {
        out.setField(field, merged.getField(field));
      }
    }
    out.clearTags().addAllTags(unitedTags(survivor.getTagsList(), merged.getTagsList()));
    Map<String, CustomFieldValue> values = new LinkedHashMap<>(survivor.getCustomFieldsMap());
    merged.getCustomFieldsMap().forEach((key, value) -> {
      CustomFieldValue own = values.get(key);
      if (own == null || !own.equals(value) && choices.takeMerged(CUSTOM_FIELDS + "." + key)) {
        values.put(key, value);
      }
    });
    out.clearCustomFields().putAllCustomFields(values);
    MarketingConsents s = survivor.getMarketingConsents();
    MarketingConsents m = merged.getMarketingConsents();
    out.setMarketingConsents(MarketingConsents.newBuilder()
        .setEmail(moreRecent(s.getEmail(), m.getEmail()))
        .setPostalMail(moreRecent(s.getPostalMail(), m.getPostalMail()))
        .setPhoneCall(moreRecent(s.getPhoneCall(), m.getPhoneCall())));
    return out.build();
  }

  private static boolean has(Customer customer, FieldDescriptor field) {
    if (field.isRepeated()) {
      return customer.getRepeatedFieldCount(field) > 0;
    }
    Object value = customer.getField(field);
    return field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        ? customer.hasField(field) && !value.equals(((com.google.protobuf.Message) value).getDefaultInstanceForType())
        : !value.equals(field.getDefaultValue());
  }

  /** The survivor's tags, then the merged customer's that it lacks (ignoring case). */
  private static List<String> unitedTags(List<String> survivor, List<String> merged) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String tag : survivor) {
      tags.putIfAbsent(tag.toLowerCase(Locale.ROOT), tag);
    }
    for (String tag : merged) {
      tags.putIfAbsent(tag.toLowerCase(Locale.ROOT), tag);
    }
    return new ArrayList<>(tags.values());
  }

  /** The more recent explicit decision; a channel never asked takes the other's; a tie keeps the survivor's. */
  private static MarketingConsent moreRecent(MarketingConsent survivor, MarketingConsent merged) {
    boolean survivorAsked = survivor.getState() != ConsentState.CONSENT_STATE_UNSPECIFIED;
    boolean mergedAsked = merged.getState() != ConsentState.CONSENT_STATE_UNSPECIFIED;
    if (!mergedAsked) {
      return survivor;
    }
    if (!survivorAsked) {
      return merged;
    }
    Timestamp s = survivor.getUpdateTime();
    Timestamp m = merged.getUpdateTime();
    return Timestamps.compare(m, s) > 0 ? merged : survivor;
  }
}
