package retail.customers.server.customer;

import static retail.customers.server.grpc.ResourceNames.CUSTOMERS;
import static retail.customers.server.grpc.ResourceNames.CUSTOMER_TYPES;
import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.UUID;
import org.jooq.JSONB;
import retail.customers.db.tables.records.CustomerRecord;
import retail.customers.server.customfield.CustomFieldValues;
import retail.customers.server.grpc.Etags;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.validation.Dates;
import retail.customers.v1.Address;
import retail.customers.v1.ConsentSource;
import retail.customers.v1.ConsentState;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerView;
import retail.customers.v1.MarketingConsent;
import retail.customers.v1.MarketingConsents;
import retail.customers.v1.OptInLevel;
import retail.customers.v1.PricingSource;
import retail.customers.v1.Source;

/**
 * The one place where customer rows and API messages meet: rows to
 * {@link Customer} (with the effective pricing derived on the way, and the
 * register view's subset), and validated messages to rows.
 *
 * <p>Empty strings of the API are NULL in the database, so that "not set" has
 * one representation that indexes and CSV exports agree on.
 */
public final class CustomerMapper {
  private CustomerMapper() {}

  /** The API message for a row read with its pricing context. */
  public static Customer toProto(CustomerRow row, CustomerView view) {
    CustomerRecord c = row.customer();
    if (view == CustomerView.CUSTOMER_VIEW_REGISTER) {
      Customer.Builder out =
          Customer.newBuilder()
              .setName(ResourceNames.format(CUSTOMERS, c.getId()))
              .setEtag(Etags.of(c.getVersion()))
              .setNotes(text(c.getNotes()))
              .setFirstName(text(c.getFirstName()))
              .setLastName(text(c.getLastName()))
              .setCompany(text(c.getCompany()))
              .setHomePhone(text(c.getHomePhone()));
      if (hasAddress(c)) {
        out.setAddress(address(c));
      }
      return out.build();
    }
    Customer.Builder out = toProto(c).toBuilder();
    BigDecimal discount = c.getDiscountPercent() != null ? c.getDiscountPercent() : row.typeDiscount();
    if (discount != null) {
      out.setEffectiveDiscountPercent(discount.toPlainString());
      out.setEffectiveDiscountSource(
          c.getDiscountPercent() != null ? PricingSource.PRICING_SOURCE_CUSTOMER : PricingSource.PRICING_SOURCE_CUSTOMER_TYPE);
    }
    UUID taxClass;
    PricingSource taxSource;
    if (c.getTaxClassId() != null) {
      taxClass = c.getTaxClassId();
      taxSource = PricingSource.PRICING_SOURCE_CUSTOMER;
    } else if (row.typeTaxClassId() != null) {
      taxClass = row.typeTaxClassId();
      taxSource = PricingSource.PRICING_SOURCE_CUSTOMER_TYPE;
    } else {
      taxClass = row.defaultTaxClassId();
      taxSource = taxClass == null ? PricingSource.PRICING_SOURCE_UNSPECIFIED : PricingSource.PRICING_SOURCE_STORE_DEFAULT;
    }
    if (taxClass != null) {
      out.setEffectiveTaxClass(ResourceNames.format(TAX_CLASSES, taxClass));
    }
    out.setEffectiveTaxClassSource(taxSource);
    return out.build();
  }

  /** The stored fields of a row, without the derived pricing. */
  public static Customer toProto(CustomerRecord c) {
    Customer.Builder out =
        Customer.newBuilder()
            .setName(ResourceNames.format(CUSTOMERS, c.getId()))
            .setFirstName(text(c.getFirstName()))
            .setLastName(text(c.getLastName()))
            .setTitle(text(c.getTitle()))
            .setCompany(text(c.getCompany()))
            .setCompanyRegistrationNumber(text(c.getCompanyRegistrationNumber()))
            .setVatNumber(text(c.getVatNumber()))
            .setHomePhone(text(c.getHomePhone()))
            .setWorkPhone(text(c.getWorkPhone()))
            .setMobilePhone(text(c.getMobilePhone()))
            .setPager(text(c.getPager()))
            .setFax(text(c.getFax()))
            .setWebsite(text(c.getWebsite()))
            .setEmail(text(c.getEmail()))
            .setSecondaryEmail(text(c.getSecondaryEmail()))
            .setCustomIdentifier(text(c.getCustomIdentifier()))
            .setExternalReference(text(c.getExternalReference()))
            .addAllTags(Arrays.asList(c.getTags()))
            .putAllCustomFields(CustomFieldValues.fromJson(c.getCustomFields() == null ? null : c.getCustomFields().data()))
            .setNotes(text(c.getNotes()))
            .setCreateTime(ProtoTime.of(c.getCreateTime()))
            .setUpdateTime(ProtoTime.of(c.getUpdateTime()))
            .setArchived(c.getDeleteTime() != null)
            .setEtag(Etags.of(c.getVersion()))
            .setSource(Source.valueOf("SOURCE_" + c.getSource()));
    if (c.getBirthDate() != null) {
      out.setBirthDate(Dates.toDate(c.getBirthDate()));
    }
    if (hasAddress(c)) {
      out.setAddress(address(c));
    }
    if (c.getCustomerTypeId() != null) {
      out.setCustomerType(ResourceNames.format(CUSTOMER_TYPES, c.getCustomerTypeId()));
    }
    if (c.getDiscountPercent() != null) {
      out.setDiscountPercent(c.getDiscountPercent().toPlainString());
    }
    if (c.getTaxClassId() != null) {
      out.setTaxClass(ResourceNames.format(TAX_CLASSES, c.getTaxClassId()));
    }
    MarketingConsents.Builder consents = MarketingConsents.newBuilder();
    if (c.getEmailConsent() != null) {
      consents.setEmail(consent(c.getEmailConsent(), c.getEmailConsentTime(), c.getEmailConsentSource(), c.getEmailConsentLevel()));
    }
    if (c.getPostalMailConsent() != null) {
      consents.setPostalMail(consent(c.getPostalMailConsent(), c.getPostalMailConsentTime(),
          c.getPostalMailConsentSource(), c.getPostalMailConsentLevel()));
    }
    if (c.getPhoneCallConsent() != null) {
      consents.setPhoneCall(consent(c.getPhoneCallConsent(), c.getPhoneCallConsentTime(),
          c.getPhoneCallConsentSource(), c.getPhoneCallConsentLevel()));
    }
    if (consents.hasEmail() || consents.hasPostalMail() || consents.hasPhoneCall()) {
      out.setMarketingConsents(consents);
    }
    if (c.getDeleteTime() != null) {
      out.setDeleteTime(ProtoTime.of(c.getDeleteTime()));
    }
    if (c.getEraseTime() != null) {
      out.setEraseTime(ProtoTime.of(c.getEraseTime()));
    }
    if (c.getMergedInto() != null) {
      out.setMergedInto(ResourceNames.format(CUSTOMERS, c.getMergedInto()));
    }
    return out.build();
  }

  /**
   * Writes every writable field of a validated customer into {@code row}
   * (system fields are left alone).
   */
  public static CustomerRecord toRecord(Customer c, CustomerRecord row) {
    Address a = c.getAddress();
    row.setFirstName(orNull(c.getFirstName()))
        .setLastName(orNull(c.getLastName()))
        .setTitle(orNull(c.getTitle()))
        .setCompany(orNull(c.getCompany()))
        .setCompanyRegistrationNumber(orNull(c.getCompanyRegistrationNumber()))
        .setVatNumber(orNull(c.getVatNumber()))
        .setBirthDate(c.hasBirthDate() ? Dates.toLocalDate(c.getBirthDate()).orElseThrow() : null)
        .setHomePhone(orNull(c.getHomePhone()))
        .setWorkPhone(orNull(c.getWorkPhone()))
        .setMobilePhone(orNull(c.getMobilePhone()))
        .setPager(orNull(c.getPager()))
        .setFax(orNull(c.getFax()))
        .setAddressLine_1(orNull(a.getAddressLine1()))
        .setAddressLine_2(orNull(a.getAddressLine2()))
        .setCity(orNull(a.getCity()))
        .setRegion(orNull(a.getRegion()))
        .setPostalCode(orNull(a.getPostalCode()))
        .setCountryCode(orNull(a.getCountryCode()))
        .setWebsite(orNull(c.getWebsite()))
        .setEmail(orNull(c.getEmail()))
        .setSecondaryEmail(orNull(c.getSecondaryEmail()))
        .setCustomerTypeId(c.getCustomerType().isEmpty() ? null : ResourceNames.tryParseUuid(c.getCustomerType(), CUSTOMER_TYPES))
        .setDiscountPercent(c.hasDiscountPercent() ? new BigDecimal(c.getDiscountPercent()) : null)
        .setTaxClassId(c.getTaxClass().isEmpty() ? null : ResourceNames.tryParseUuid(c.getTaxClass(), TAX_CLASSES))
        .setCustomIdentifier(orNull(c.getCustomIdentifier()))
        .setExternalReference(orNull(c.getExternalReference()))
        .setTags(c.getTagsList().toArray(String[]::new))
        .setCustomFields(JSONB.valueOf(CustomFieldValues.toJson(c.getCustomFieldsMap())))
        .setNotes(orNull(c.getNotes()));
    MarketingConsents m = c.getMarketingConsents();
    MarketingConsent email = m.getEmail();
    row.setEmailConsent(state(email))
        .setEmailConsentTime(time(email))
        .setEmailConsentSource(source(email))
        .setEmailConsentLevel(level(email));
    MarketingConsent mail = m.getPostalMail();
    row.setPostalMailConsent(state(mail))
        .setPostalMailConsentTime(time(mail))
        .setPostalMailConsentSource(source(mail))
        .setPostalMailConsentLevel(level(mail));
    MarketingConsent phone = m.getPhoneCall();
    row.setPhoneCallConsent(state(phone))
        .setPhoneCallConsentTime(time(phone))
        .setPhoneCallConsentSource(source(phone))
        .setPhoneCallConsentLevel(level(phone));
    return row;
  }

  /** The database name of a source: the enum value without its prefix. */
  public static String sourceName(Source source) {
    return source.name().substring("SOURCE_".length());
  }

  private static boolean hasAddress(CustomerRecord c) {
    return c.getAddressLine_1() != null || c.getAddressLine_2() != null || c.getCity() != null || c.getRegion() != null
        || c.getPostalCode() != null || c.getCountryCode() != null;
  }

  private static Address address(CustomerRecord c) {
    return Address.newBuilder()
        .setAddressLine1(text(c.getAddressLine_1()))
        .setAddressLine2(text(c.getAddressLine_2()))
        .setCity(text(c.getCity()))
        .setRegion(text(c.getRegion()))
        .setPostalCode(text(c.getPostalCode()))
        .setCountryCode(text(c.getCountryCode()))
        .build();
  }

  private static MarketingConsent consent(String state, OffsetDateTime time, String source, String level) {
    MarketingConsent.Builder out = MarketingConsent.newBuilder().setState(ConsentState.valueOf("CONSENT_STATE_" + state));
    if (time != null) {
      out.setUpdateTime(ProtoTime.of(time));
    }
    if (source != null) {
      out.setSource(ConsentSource.valueOf("CONSENT_SOURCE_" + source));
    }
    if (level != null) {
      out.setOptInLevel(OptInLevel.valueOf("OPT_IN_LEVEL_" + level));
    }
    return out.build();
  }

  private static String state(MarketingConsent consent) {
    return consent.getState() == ConsentState.CONSENT_STATE_UNSPECIFIED
        ? null : consent.getState().name().substring("CONSENT_STATE_".length());
  }

  private static OffsetDateTime time(MarketingConsent consent) {
    return consent.getState() == ConsentState.CONSENT_STATE_UNSPECIFIED || !consent.hasUpdateTime()
        ? null : ProtoTime.toOffsetDateTime(consent.getUpdateTime());
  }

  private static String source(MarketingConsent consent) {
    return consent.getSource() == ConsentSource.CONSENT_SOURCE_UNSPECIFIED
        ? null : consent.getSource().name().substring("CONSENT_SOURCE_".length());
  }

  private static String level(MarketingConsent consent) {
    return consent.getOptInLevel() == OptInLevel.OPT_IN_LEVEL_UNSPECIFIED
        ? null : consent.getOptInLevel().name().substring("OPT_IN_LEVEL_".length());
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private static String orNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
