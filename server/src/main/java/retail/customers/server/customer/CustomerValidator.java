package retail.customers.server.customer;

import static retail.customers.server.grpc.ResourceNames.CUSTOMER_TYPES;
import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import com.google.protobuf.Timestamp;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import retail.customers.server.auth.Caller;
import retail.customers.server.customfield.CustomFieldDefinitions.Definition;
import retail.customers.server.customfield.CustomFieldValues;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Violations;
import retail.customers.server.validation.Dates;
import retail.customers.server.validation.Decimals;
import retail.customers.server.validation.Emails;
import retail.customers.server.validation.PhoneNumbers;
import retail.customers.server.validation.PostalCodes;
import retail.customers.server.validation.Tags;
import retail.customers.server.validation.Texts;
import retail.customers.v1.Address;
import retail.customers.v1.ConsentSource;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;
import retail.customers.v1.OptInLevel;
import retail.customers.v1.Source;

/**
 * Checks a customer as a whole against SPEC section 7 and returns it in its
 * stored form (trimmed text, E.164 phones, canonical postal codes, two-decimal
 * discount...). Every problem is collected, so one answer names every bad
 * field; field paths start with the given prefix, e.g. "customer.email".
 *
 * <p>Only writable fields are carried over: output-only fields of the input
 * are ignored, as AIP-203 asks.
 */
final class CustomerValidator {
  static final int NAME_MAX = 100;
  private static final LocalDate OLDEST_BIRTH_DATE = LocalDate.of(1900, 1, 1);
  private static final Set<String> SUPPORTED_COUNTRIES = Set.of(Locale.getISOCountries());

  private final Clock clock;

  CustomerValidator(Clock clock) {
    this.clock = clock;
  }

  /** What the validation is for. */
  record Purpose(boolean creating, boolean customFieldsChanged, Source writeSource) {
    static Purpose create(Source source) {
      return new Purpose(true, true, source);
    }

    static Purpose update(boolean customFieldsChanged) {
      return new Purpose(false, customFieldsChanged, Source.SOURCE_API);
    }
  }

  /**
   * The stored form of {@code input}; INVALID_ARGUMENT naming every bad field.
   *
   * @param previous the stored customer when updating (its consents keep their
   *     times when unchanged), else null
   */
  Customer validate(
      CustomerReferences references, Caller caller, String prefix, Customer input, Customer previous, Purpose purpose) {
    Violations v = new Violations();
    Customer.Builder out = Customer.newBuilder();
    String p = prefix + ".";

    out.setFirstName(Texts.check(v, p + "first_name", input.getFirstName(), NAME_MAX, false));
    out.setLastName(Texts.check(v, p + "last_name", input.getLastName(), NAME_MAX, false));
    out.setTitle(Texts.check(v, p + "title", input.getTitle(), 40, false));
    out.setCompany(Texts.check(v, p + "company", input.getCompany(), 200, false));
    out.setCompanyRegistrationNumber(
        Texts.check(v, p + "company_registration_number", input.getCompanyRegistrationNumber(), 50, false));
    out.setVatNumber(Texts.check(v, p + "vat_number", input.getVatNumber(), 50, false));
    if (input.hasBirthDate()) {
      checkBirthDate(v, p + "birth_date", input).ifPresent(out::setBirthDate);
    }

    String country = checkCountry(v, p + "address.country_code", input.getAddress().getCountryCode());
    String region = country.isEmpty() || v.has(p + "address.country_code") ? caller.countryCode() : country;
    Customer stored = previous == null ? Customer.getDefaultInstance() : previous;
    out.setHomePhone(phone(v, p + "home_phone", input.getHomePhone(), stored.getHomePhone(), region));
    out.setWorkPhone(phone(v, p + "work_phone", input.getWorkPhone(), stored.getWorkPhone(), region));
    out.setMobilePhone(phone(v, p + "mobile_phone", input.getMobilePhone(), stored.getMobilePhone(), region));
    out.setPager(phone(v, p + "pager", input.getPager(), stored.getPager(), region));
    out.setFax(phone(v, p + "fax", input.getFax(), stored.getFax(), region));
    if (input.hasAddress()) {
      out.setAddress(address(v, p + "address.", input.getAddress(), country, region));
    }

    out.setWebsite(website(v, p + "website", input.getWebsite()));
    out.setEmail(email(v, p + "email", input.getEmail()));
    out.setSecondaryEmail(email(v, p + "secondary_email", input.getSecondaryEmail()));

    out.setCustomerType(reference(v, p + "customer_type", input.getCustomerType(), CUSTOMER_TYPES,
        references::customerTypeExists));
    if (input.hasDiscountPercent()) {
      Decimals.percent(input.getDiscountPercent())
          .ifPresentOrElse(
              d -> out.setDiscountPercent(d.toPlainString()), () -> v.add(p + "discount_percent", Decimals.percentProblem()));
    }
    out.setTaxClass(reference(v, p + "tax_class", input.getTaxClass(), TAX_CLASSES,
        references::taxClassExists));

    out.setCustomIdentifier(Texts.check(v, p + "custom_identifier", input.getCustomIdentifier(), 100, false));
    out.setExternalReference(Texts.check(v, p + "external_reference", input.getExternalReference(), 200, false));
    out.addAllTags(Tags.normalize(v, p + "tags", input.getTagsList()));

    if (input.hasMarketingConsents()) {
      // A new customer's consents come from where the customer is created (a register's
      // customer consents at the register), not from the method's default source.
      Purpose consentPurpose =
          purpose.creating() && input.getSource() != Source.SOURCE_UNSPECIFIED && input.getSource() != Source.UNRECOGNIZED
              ? new Purpose(true, purpose.customFieldsChanged(), input.getSource())
              : purpose;
      out.setMarketingConsents(consents(v, p + "marketing_consents.", input.getMarketingConsents(),
          previous == null ? MarketingConsents.getDefaultInstance() : previous.getMarketingConsents(), consentPurpose));
    }

    if (purpose.customFieldsChanged() || input.getCustomFieldsCount() > 0) {
      out.putAllCustomFields(
          customFields(v, p + "custom_fields", input.getCustomFieldsMap(), references.customFields(), purpose));
    }
    out.setNotes(Texts.check(v, p + "notes", input.getNotes(), 10_000, true));

    if (purpose.creating()) {
      if (input.getSource() == Source.UNRECOGNIZED) {
        // A protobuf builder refuses UNRECOGNIZED: report it instead of failing with INTERNAL.
        v.add(p + "source", "unknown source");
      } else {
        out.setSource(input.getSource() == Source.SOURCE_UNSPECIFIED ? purpose.writeSource() : input.getSource());
      }
    }
    v.throwIfAny();
    return out.build();
  }

  private Optional<com.google.type.Date> checkBirthDate(Violations v, String field, Customer input) {
    Optional<LocalDate> date = Dates.toLocalDate(input.getBirthDate());
    if (date.isEmpty()) {
      v.add(field, "must be a full, real date (year, month and day)");
      return Optional.empty();
    }
    // The latest time zone is 14 hours ahead of UTC: a date that is already
    // today somewhere on Earth is not "in the future".
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.ofHours(14));
    if (date.get().isAfter(today)) {
      v.add(field, "must not be in the future");
    } else if (date.get().isBefore(OLDEST_BIRTH_DATE)) {
      v.add(field, "must not be before 1900-01-01");
    }
    return Optional.of(Dates.toDate(date.get()));
  }

  private static String checkCountry(Violations v, String field, String input) {
    String country = input.strip().toUpperCase(Locale.ROOT);
    if (!country.isEmpty() && !SUPPORTED_COUNTRIES.contains(country)) {
      v.add(field, "must be an ISO 3166-1 alpha-2 country code such as CA or FR");
    }
    return country;
  }

  /**
   * The stored form of a phone; {@code stored}, the field's value before an
   * update, is kept as it is without parsing it again: an update of other
   * fields carries every stored phone, and parsing was a tenth of a write's
   * CPU in the server.
   */
  private static String phone(Violations v, String field, String input, String stored, String region) {
    if (!stored.isEmpty() && input.equals(stored)) {
      return stored;
    }
    String text = input.strip();
    if (text.isEmpty()) {
      return "";
    }
    if (text.length() > 40) {
      v.add(field, "must be at most 40 characters");
      return "";
    }
    return PhoneNumbers.normalize(text, region)
        .orElseGet(
            () -> {
              v.add(field, "is not a valid phone number (numbers without a +country prefix are read as " + region + " numbers)");
              return "";
            });
  }

  private static Address address(Violations v, String p, Address input, String country, String region) {
    Address.Builder out =
        Address.newBuilder()
            .setAddressLine1(Texts.check(v, p + "address_line_1", input.getAddressLine1(), 200, false))
            .setAddressLine2(Texts.check(v, p + "address_line_2", input.getAddressLine2(), 200, false))
            .setCity(Texts.check(v, p + "city", input.getCity(), 100, false))
            .setRegion(Texts.check(v, p + "region", input.getRegion(), 100, false))
            .setCountryCode(country);
    String postal = input.getPostalCode().strip();
    if (!postal.isEmpty()) {
      Optional<String> normalized = PostalCodes.normalize(postal, region);
      if (normalized.isPresent()) {
        out.setPostalCode(normalized.get());
      } else {
        String whose = country.isEmpty() ? "the store's country (" + region + ")" : region;
        v.add(p + "postal_code", "is not a postal code of " + whose + ", e.g. " + PostalCodes.example(region));
      }
    }
    return out.build();
  }

  private static String website(Violations v, String field, String input) {
    String text = input.strip();
    if (text.isEmpty()) {
      return "";
    }
    String url = text.contains("://") ? text : "https://" + text;
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getHost().contains(".")
          && url.length() <= 500) {
        return url;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    v.add(field, "must be a web address such as https://example.com (at most 500 characters)");
    return "";
  }

  private static String email(Violations v, String field, String input) {
    if (input.isBlank()) {
      return "";
    }
    return Emails.normalize(input)
        .orElseGet(
            () -> {
              v.add(field, "is not an e-mail address such as name@example.com");
              return "";
            });
  }

  private static String reference(
      Violations v, String field, String name, String collection, Function<UUID, Boolean> exists) {
    if (name.isEmpty()) {
      return "";
    }
    UUID id = ResourceNames.tryParseUuid(name, collection);
    if (id == null) {
      v.add(field, ResourceNames.describe(name, collection));
      return "";
    }
    if (!exists.apply(id)) {
      v.add(field, "unknown " + (collection.equals(CUSTOMER_TYPES) ? "customer type " : "tax class ") + name);
      return "";
    }
    return ResourceNames.format(collection, id);
  }

  private MarketingConsents consents(
      Violations v, String p, MarketingConsents input, MarketingConsents previous, Purpose purpose) {
    MarketingConsents.Builder out = MarketingConsents.newBuilder();
    if (input.hasEmail()) {
      out.setEmail(consent(v, p + "email.", input.getEmail(), previous.getEmail(), purpose));
    }
    if (input.hasPostalMail()) {
      out.setPostalMail(consent(v, p + "postal_mail.", input.getPostalMail(), previous.getPostalMail(), purpose));
    }
    if (input.hasPhoneCall()) {
      out.setPhoneCall(consent(v, p + "phone_call.", input.getPhoneCall(), previous.getPhoneCall(), purpose));
    }
    return out.build();
  }

  private MarketingConsent consent(
      Violations v, String p, MarketingConsent input, MarketingConsent previous, Purpose purpose) {
    if (input.getState() == ConsentState.UNRECOGNIZED) {
      v.add(p + "state", "unknown consent state");
      return MarketingConsent.getDefaultInstance();
    }
    if (input.getState() == ConsentState.CONSENT_STATE_UNSPECIFIED) {
      if (input.hasUpdateTime() || input.getSource() != ConsentSource.CONSENT_SOURCE_UNSPECIFIED
          || input.getOptInLevel() != OptInLevel.OPT_IN_LEVEL_UNSPECIFIED) {
        v.add(p + "state", "is required when a time, source or opt-in level is given (GRANTED or DENIED)");
      }
      return MarketingConsent.getDefaultInstance();
    }
    MarketingConsent.Builder out = MarketingConsent.newBuilder().setState(input.getState());
    Instant now = clock.instant();
    // A client that read the customer and flips the state usually sends the
    // old time back: the new choice is dated now unless a different time is
    // given on purpose.
    boolean stateChanged = input.getState() != previous.getState();
    boolean timeGiven = input.hasUpdateTime() && !(stateChanged && input.getUpdateTime().equals(previous.getUpdateTime()));
    if (timeGiven) {
      Timestamp time = input.getUpdateTime();
      if (!ProtoTime.isValid(time) || Instant.ofEpochSecond(time.getSeconds()).isAfter(now.plusSeconds(300))) {
        v.add(p + "update_time", "must be a valid time, not in the future");
      }
      out.setUpdateTime(time);
    } else if (!stateChanged && previous.hasUpdateTime()) {
      out.setUpdateTime(previous.getUpdateTime());
    } else {
      out.setUpdateTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano() / 1000 * 1000));
    }
    if (input.getSource() == ConsentSource.UNRECOGNIZED) {
      v.add(p + "source", "unknown consent source");
    } else if (input.getSource() == ConsentSource.CONSENT_SOURCE_UNSPECIFIED) {
      out.setSource(stateChanged || previous.getSource() == ConsentSource.CONSENT_SOURCE_UNSPECIFIED
          ? consentSourceOf(purpose.writeSource()) : previous.getSource());
    } else {
      out.setSource(input.getSource());
    }
    if (input.getOptInLevel() == OptInLevel.UNRECOGNIZED) {
      v.add(p + "opt_in_level", "unknown opt-in level");
    } else if (input.getOptInLevel() != OptInLevel.OPT_IN_LEVEL_UNSPECIFIED) {
      if (input.getState() != ConsentState.CONSENT_STATE_GRANTED) {
        v.add(p + "opt_in_level", "only applies to granted consent");
      }
      out.setOptInLevel(input.getOptInLevel());
    } else if (input.getState() == ConsentState.CONSENT_STATE_GRANTED) {
      out.setOptInLevel(OptInLevel.OPT_IN_LEVEL_SINGLE);
    }
    return out.build();
  }

  private static ConsentSource consentSourceOf(Source source) {
    return switch (source) {
      case SOURCE_REGISTER -> ConsentSource.CONSENT_SOURCE_REGISTER;
      case SOURCE_BACK_OFFICE -> ConsentSource.CONSENT_SOURCE_BACK_OFFICE;
      case SOURCE_ECOMMERCE -> ConsentSource.CONSENT_SOURCE_ECOMMERCE_NEWSLETTER;
      case SOURCE_IMPORT -> ConsentSource.CONSENT_SOURCE_IMPORT;
      default -> ConsentSource.CONSENT_SOURCE_API;
    };
  }

  private static Map<String, CustomFieldValue> customFields(
      Violations v, String field, Map<String, CustomFieldValue> input, Map<String, Definition> definitions, Purpose purpose) {
    java.util.TreeMap<String, CustomFieldValue> out = new java.util.TreeMap<>();
    for (Map.Entry<String, CustomFieldValue> entry : input.entrySet()) {
      String path = field + "." + entry.getKey();
      Definition definition = definitions.get(entry.getKey());
      if (definition == null) {
        v.add(path, "unknown custom field " + ResourceNames.CUSTOM_FIELDS + "/" + entry.getKey());
        continue;
      }
      CustomFieldValue value = entry.getValue();
      Optional<String> problem = CustomFieldValues.problem(definition, value);
      if (problem.isPresent()) {
        v.add(path, problem.get());
      } else if (!CustomFieldValues.isEmpty(value)) {
        out.put(entry.getKey(), CustomFieldValues.normalize(value));
      }
    }
    if (purpose.customFieldsChanged()) {
      Set<String> missing = new TreeSet<>();
      for (Definition definition : definitions.values()) {
        if (definition.required() && !out.containsKey(definition.id())) {
          missing.add(definition.id());
        }
      }
      for (String id : missing) {
        v.add(field + "." + id, "is required");
      }
    }
    return out;
  }
}
