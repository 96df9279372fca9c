package retail.customers.server.customer;

import static retail.customers.db.Tables.CUSTOMER;
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
  public static Customer toProto(CustomerRow c, CustomerView view) {
    if (view == CustomerView.CUSTOMER_VIEW_REGISTER) {
      Customer.Builder out =
          Customer.newBuilder()
              .setName(ResourceNames.format(CUSTOMERS, c.get(CUSTOMER.ID)))
              .setEtag(Etags.of(c.get(CUSTOMER.VERSION)))
              .setNotes(text(c.get(CUSTOMER.NOTES)))
              .setFirstName(text(c.get(CUSTOMER.FIRST_NAME)))
              .setLastName(text(c.get(CUSTOMER.LAST_NAME)))
              .setCompany(text(c.get(CUSTOMER.COMPANY)))
              .setHomePhone(text(c.get(CUSTOMER.HOME_PHONE)));
      if (hasAddress(c)) {
        out.setAddress(address(c));
      }
      return out.build();
    }
    Customer.Builder out = stored(c);
    BigDecimal own = c.get(CUSTOMER.DISCOUNT_PERCENT);
    BigDecimal discount = own != null ? own : c.typeDiscount();
    if (discount != null) {
      out.setEffectiveDiscountPercent(discount.toPlainString());
      out.setEffectiveDiscountSource(own != null ? PricingSource.PRICING_SOURCE_CUSTOMER : PricingSource.PRICING_SOURCE_CUSTOMER_TYPE);
    }
    UUID taxClass;
    PricingSource taxSource;
    if (c.get(CUSTOMER.TAX_CLASS_ID) != null) {
      taxClass = c.get(CUSTOMER.TAX_CLASS_ID);
      taxSource = PricingSource.PRICING_SOURCE_CUSTOMER;
    } else if (c.typeTaxClassId() != null) {
      taxClass = c.typeTaxClassId();
      taxSource = PricingSource.PRICING_SOURCE_CUSTOMER_TYPE;
    } else {
      taxClass = c.defaultTaxClassId();
      taxSource = taxClass == null ? PricingSource.PRICING_SOURCE_UNSPECIFIED : PricingSource.PRICING_SOURCE_STORE_DEFAULT;
    }
    if (taxClass != null) {
      out.setEffectiveTaxClass(ResourceNames.format(TAX_CLASSES, taxClass));
    }
    out.setEffectiveTaxClassSource(taxSource);
    return out.build();
  }

  /** The stored fields of a row, without the derived pricing. */
  public static Customer toProto(CustomerRecord record) {
    return stored(CustomerRow.of(record)).build();
  }

  private static Customer.Builder stored(CustomerRow c) {
    Customer.Builder out =
        Customer.newBuilder()
            .setName(ResourceNames.format(CUSTOMERS, c.get(CUSTOMER.ID)))
            .setFirstName(text(c.get(CUSTOMER.FIRST_NAME)))
            .setLastName(text(c.get(CUSTOMER.LAST_NAME)))
            .setTitle(text(c.get(CUSTOMER.TITLE)))
            .setCompany(text(c.get(CUSTOMER.COMPANY)))
            .setCompanyRegistrationNumber(text(c.get(CUSTOMER.COMPANY_REGISTRATION_NUMBER)))
            .setVatNumber(text(c.get(CUSTOMER.VAT_NUMBER)))
            .setHomePhone(text(c.get(CUSTOMER.HOME_PHONE)))
            .setWorkPhone(text(c.get(CUSTOMER.WORK_PHONE)))
            .setMobilePhone(text(c.get(CUSTOMER.MOBILE_PHONE)))
            .setPager(text(c.get(CUSTOMER.PAGER)))
            .setFax(text(c.get(CUSTOMER.FAX)))
            .setWebsite(text(c.get(CUSTOMER.WEBSITE)))
            .setEmail(text(c.get(CUSTOMER.EMAIL)))
            .setSecondaryEmail(text(c.get(CUSTOMER.SECONDARY_EMAIL)))
            .setCustomIdentifier(text(c.get(CUSTOMER.CUSTOM_IDENTIFIER)))
            .setExternalReference(text(c.get(CUSTOMER.EXTERNAL_REFERENCE)))
            .addAllTags(Arrays.asList(c.get(CUSTOMER.TAGS)))
            .putAllCustomFields(CustomFieldValues.fromJson(json(c.get(CUSTOMER.CUSTOM_FIELDS))))
            .setNotes(text(c.get(CUSTOMER.NOTES)))
            .setCreateTime(ProtoTime.of(c.get(CUSTOMER.CREATE_TIME)))
            .setUpdateTime(ProtoTime.of(c.get(CUSTOMER.UPDATE_TIME)))
            .setArchived(c.get(CUSTOMER.DELETE_TIME) != null)
            .setEtag(Etags.of(c.get(CUSTOMER.VERSION)))
            .setSource(Source.valueOf("SOURCE_" + c.get(CUSTOMER.SOURCE)));
    if (c.get(CUSTOMER.BIRTH_DATE) != null) {
      out.setBirthDate(Dates.toDate(c.get(CUSTOMER.BIRTH_DATE)));
    }
    if (hasAddress(c)) {
      out.setAddress(address(c));
    }
    if (c.get(CUSTOMER.CUSTOMER_TYPE_ID) != null) {
      out.setCustomerType(ResourceNames.format(CUSTOMER_TYPES, c.get(CUSTOMER.CUSTOMER_TYPE_ID)));
    }
    BigDecimal discount = c.get(CUSTOMER.DISCOUNT_PERCENT);
    if (discount != null) {
      out.setDiscountPercent(discount.toPlainString());
    }
    if (c.get(CUSTOMER.TAX_CLASS_ID) != null) {
      out.setTaxClass(ResourceNames.format(TAX_CLASSES, c.get(CUSTOMER.TAX_CLASS_ID)));
    }
    MarketingConsents.Builder consents = MarketingConsents.newBuilder();
    if (c.get(CUSTOMER.EMAIL_CONSENT) != null) {
      consents.setEmail(consent(c.get(CUSTOMER.EMAIL_CONSENT), c.get(CUSTOMER.EMAIL_CONSENT_TIME),
          c.get(CUSTOMER.EMAIL_CONSENT_SOURCE), c.get(CUSTOMER.EMAIL_CONSENT_LEVEL)));
    }
    if (c.get(CUSTOMER.POSTAL_MAIL_CONSENT) != null) {
      consents.setPostalMail(consent(c.get(CUSTOMER.POSTAL_MAIL_CONSENT), c.get(CUSTOMER.POSTAL_MAIL_CONSENT_TIME),
          c.get(CUSTOMER.POSTAL_MAIL_CONSENT_SOURCE), c.get(CUSTOMER.POSTAL_MAIL_CONSENT_LEVEL)));
    }
    if (c.get(CUSTOMER.PHONE_CALL_CONSENT) != null) {
      consents.setPhoneCall(consent(c.get(CUSTOMER.PHONE_CALL_CONSENT), c.get(CUSTOMER.PHONE_CALL_CONSENT_TIME),
          c.get(CUSTOMER.PHONE_CALL_CONSENT_SOURCE), c.get(CUSTOMER.PHONE_CALL_CONSENT_LEVEL)));
    }
    if (consents.hasEmail() || consents.hasPostalMail() || consents.hasPhoneCall()) {
      out.setMarketingConsents(consents);
    }
    if (c.get(CUSTOMER.DELETE_TIME) != null) {
      out.setDeleteTime(ProtoTime.of(c.get(CUSTOMER.DELETE_TIME)));
    }
    if (c.get(CUSTOMER.ERASE_TIME) != null) {
      out.setEraseTime(ProtoTime.of(c.get(CUSTOMER.ERASE_TIME)));
    }
    if (c.get(CUSTOMER.MERGED_INTO) != null) {
      out.setMergedInto(ResourceNames.format(CUSTOMERS, c.get(CUSTOMER.MERGED_INTO)));
    }
    return out;
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

  private static boolean hasAddress(CustomerRow c) {
    return c.get(CUSTOMER.ADDRESS_LINE_1) != null || c.get(CUSTOMER.ADDRESS_LINE_2) != null || c.get(CUSTOMER.CITY) != null
        || c.get(CUSTOMER.REGION) != null || c.get(CUSTOMER.POSTAL_CODE) != null || c.get(CUSTOMER.COUNTRY_CODE) != null;
  }

  private static Address address(CustomerRow c) {
    return Address.newBuilder()
        .setAddressLine1(text(c.get(CUSTOMER.ADDRESS_LINE_1)))
        .setAddressLine2(text(c.get(CUSTOMER.ADDRESS_LINE_2)))
        .setCity(text(c.get(CUSTOMER.CITY)))
        .setRegion(text(c.get(CUSTOMER.REGION)))
        .setPostalCode(text(c.get(CUSTOMER.POSTAL_CODE)))
        .setCountryCode(text(c.get(CUSTOMER.COUNTRY_CODE)))
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

  private static String json(JSONB value) {
    return value == null ? null : value.data();
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private static String orNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
