package retail.customers.server.exchange;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The 30 columns of the back office's customer CSV (SPEC 5), in their
 * order, with their English and French headers, and the API field that each
 * column holds (so that an import's field violations name the column).
 */
public enum CsvColumn {
  TYPE("Type", "Type", "customer.customer_type"),
  CREATED("Created", "Créé", "customer.create_time"),
  DISCOUNT("Discount", "Réduction", "customer.discount_percent"),
  SALES_TAX("Sales tax", "Taxe de vente", "customer.tax_class"),
  FIRST_NAME("First name", "Prénom", "customer.first_name"),
  LAST_NAME("Last name", "Nom", "customer.last_name"),
  TITLE("Title", "Titre", "customer.title"),
  COMPANY("Company", "Entreprise", "customer.company"),
  COMPANY_REGISTRATION_NUMBER("Company registration number", "Numéro d’enregistrement de l’entreprise", "customer.company_registration_number"),
  VAT_NUMBER("VAT number", "Numéro de TVA", "customer.vat_number"),
  DATE_OF_BIRTH("Date of birth", "Date de naissance", "customer.birth_date"),
  HOME("Home", "Domicile", "customer.home_phone"),
  WORK("Work", "Travail", "customer.work_phone"),
  MOBILE("Mobile", "Téléphone cellulaire", "customer.mobile_phone"),
  PAGER("Pager", "Téléavertisseur", "customer.pager"),
  FAX("Fax", "Télécopieur", "customer.fax"),
  COUNTRY("Country", "Pays", "customer.address.country_code"),
  ADDRESS("Address", "Adresse", "customer.address.address_line_1"),
  ADDRESS_2("Address 2", "Adresse 2", "customer.address.address_line_2"),
  CITY("City", "Ville", "customer.address.city"),
  REGION("State/Province/Region", "Province/État/Région", "customer.address.region"),
  POSTAL_CODE("ZIP/Postal code", "ZIP/Code postal", "customer.address.postal_code"),
  WEBSITE("Website", "Site Web", "customer.website"),
  EMAIL_1("Email 1", "Courriel 1", "customer.email"),
  EMAIL_2("Email 2", "Courriel 2", "customer.secondary_email"),
  CUSTOM("Custom", "Personnalisé", "customer.custom_identifier"),
  EMAIL_CONSENT("Email (communication)", "Courriel (mode de communication)", "customer.marketing_consents.email"),
  MAIL_CONSENT("Mail (communication)", "Courrier postal (mode de communication)", "customer.marketing_consents.postal_mail"),
  PHONE_CALL_CONSENT("Phone call (communication)", "Appel téléphonique (mode de communication)", "customer.marketing_consents.phone_call"),
  NOTES("Notes", "Remarques", "customer.notes");

  private static final Map<String, CsvColumn> BY_HEADER = new HashMap<>();

  static {
    for (CsvColumn column : values()) {
      BY_HEADER.put(key(column.english), column);
      BY_HEADER.put(key(column.french), column);
    }
  }

  private final String english;
  private final String french;
  private final String field;

  CsvColumn(String english, String french, String field) {
    this.english = english;
    this.french = french;
    this.field = field;
  }

  public String header(boolean french) {
    return french ? this.french : this.english;
  }

  /** The API field path this column holds, as field violations name it. */
  public String field() {
    return field;
  }

  /**
   * The column a header names, in English or French, ignoring case, accents,
   * spacing and the kind of apostrophe.
   */
  public static Optional<CsvColumn> ofHeader(String header) {
    return Optional.ofNullable(BY_HEADER.get(key(header)));
  }

  /** The column whose field a violation names (a nested field belongs to its column), if any. */
  public static Optional<CsvColumn> ofField(String violationField) {
    CsvColumn best = null;
    for (CsvColumn column : values()) {
      if ((violationField.equals(column.field) || violationField.startsWith(column.field + "."))
          && (best == null || column.field.length() > best.field.length())) {
        best = column;
      }
    }
    return Optional.ofNullable(best);
  }

  private static String key(String header) {
    String plain = Normalizer.normalize(header.strip(), Normalizer.Form.NFD).replaceAll("\\p{M}", "");
    return plain.replace('’', '\'').replace('‘', '\'').replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }
}
