package retail.customers.bench;

import java.text.Normalizer;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Realistic customers for a store in Quebec: common English and French
 * names with a skewed (Zipf-like) frequency, so that "Smith" is as common as
 * in real data and rare names are rare; e-mails derived from the names;
 * valid Canadian and US phones and postal codes; a few tags. Deterministic
 * for a seed, so that two runs measure the same data.
 */
final class CustomerGenerator {
  static final List<String> LAST_NAMES = List.of(
      "Smith", "Tremblay", "Johnson", "Gagnon", "Williams", "Roy", "Brown", "Côté", "Jones", "Bouchard", "Garcia", "Gauthier",
      "Miller", "Morin", "Davis", "Lavoie", "Rodriguez", "Fortin", "Martinez", "Gagné", "Wilson", "Ouellet", "Anderson",
      "Pelletier", "Taylor", "Bélanger", "Thomas", "Lévesque", "Moore", "Bergeron", "Jackson", "Leblanc", "Martin", "Paquette",
      "Lee", "Girard", "Thompson", "Simard", "White", "Boucher", "Harris", "Caron", "Clark", "Beaulieu", "Lewis", "Cloutier",
      "Robinson", "Dubé", "Walker", "Poirier", "Young", "Fournier", "Allen", "Lapointe", "King", "Leclerc", "Wright", "Lefebvre",
      "Scott", "Poulin", "Nguyen", "Thibault", "Hill", "St-Pierre", "Green", "Nadeau", "Adams", "Martel", "Baker", "Gilbert",
      "Hall", "Hébert", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins",
      "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
      "Howard", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Wood", "James", "Bennett", "Gray", "Hughes", "Price",
      "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Goldsmith", "Smithson", "Arrowsmith", "Schmitt", "Dupont",
      "Durand", "Lefèvre", "Mercier", "Blanc", "Guérin", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
      "Wagner", "Becker", "Hoffmann", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci");
  static final List<String> FIRST_NAMES = List.of(
      "James", "Marie", "John", "Mary", "Robert", "Julie", "Michael", "Patricia", "William", "Nathalie", "David", "Jennifer",
      "Jean", "Isabelle", "Richard", "Linda", "Joseph", "Sophie", "Thomas", "Elizabeth", "Charles", "Chantal", "Daniel", "Susan",
      "Pierre", "Jessica", "Matthew", "Sarah", "Anthony", "Karen", "Mark", "Nancy", "Luc", "Lisa", "Paul", "Betty", "Steven",
      "Sandra", "Andrew", "Ashley", "Joshua", "Émilie", "Kevin", "Hélène", "Brian", "Geneviève", "George", "Amélie", "Éric",
      "Chloé", "Stéphane", "Léa", "François", "Zoé", "Sébastien", "Emma", "Mathieu", "Olivia", "Benoît", "Ann", "Jérôme",
      "Anna", "Gabriel", "Rachel", "Samuel", "Laura", "Louis", "Catherine", "Alexandre", "Christine", "Simon", "Josée",
      "Martin", "Valérie", "Philippe", "Caroline", "Nicolas", "Mélanie", "Guillaume", "Audrey", "Olivier", "Véronique");
  static final List<String> TAGS = List.of(
      "VIP", "Newsletter", "Woman", "Man", "Cyclist", "Runner", "56 cm", "54 cm", "58 cm", "Motorcyclist", "Student",
      "Wholesale", "Veteran", "Employee", "Triathlete", "Road", "Mountain", "Gravel", "Kids", "Returning");
  private static final List<String> SYLLABLES = List.of(
      "ka", "ro", "mi", "na", "le", "to", "sa", "ve", "li", "do", "ma", "ni", "ra", "be", "co", "du", "fa", "gi", "ho", "ju",
      "ki", "lo", "mu", "no", "pa", "qui", "re", "si", "tu", "va", "wo", "xa", "yo", "ze", "an", "el", "in", "on", "ur");
  private static final List<String> DOMAINS = List.of(
      "gmail.com", "hotmail.com", "yahoo.ca", "outlook.com", "videotron.ca", "sympatico.ca", "icloud.com", "bell.net");
  private static final List<String> COMPANIES = List.of(
      "Acme", "Globex", "Initech", "Hooli", "Dunder Mifflin", "Vandelay Industries", "Pied Piper", "Wonka", "Cyberdyne");
  private static final List<String> AREA_CODES = List.of("514", "438", "450", "418", "819", "613", "416", "647", "604");
  private static final String POSTAL_LETTERS = "ABCEGHJKLMNPRSTVXY";
  private static final List<String> CITIES = List.of("Montréal", "Laval", "Québec", "Longueuil", "Gatineau", "Sherbrooke");

  private final SplittableRandom random;
  private final double[] lastWeights = cumulative(LAST_NAMES.size(), 0.9);
  private final double[] firstWeights = cumulative(FIRST_NAMES.size(), 0.8);
  private final double[] tagWeights = cumulative(TAGS.size(), 1.0);
  private final Instant start = Instant.parse("2016-01-01T00:00:00Z");

  CustomerGenerator(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** One customer, as the stored columns hold it (phones in E.164, canonical postal codes). */
  record Row(
      String firstName, String lastName, String company, String email, String mobilePhone, String homePhone,
      String addressLine1, String city, String postalCode, String countryCode, String customIdentifier,
      List<String> tags, Instant createTime, LocalDate birthDate, String notes) {}

  /** The first {@code count} customers of the generator seeded with {@code seed}: what a benchmark's creates send, in turn. */
  static List<Row> rows(long seed, int count) {
    CustomerGenerator generator = new CustomerGenerator(seed);
    List<Row> rows = new java.util.ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      rows.add(generator.next(i));
    }
    return List.copyOf(rows);
  }

  Row next(long index) {
    String last = random.nextDouble() < 0.7 ? pick(LAST_NAMES, lastWeights) : rareName();
    String first = pick(FIRST_NAMES, firstWeights);
    String email = null;
    if (random.nextDouble() < 0.85) {
      String separator = List.of(".", "", "_").get(random.nextInt(3));
      email = ascii(first) + separator + ascii(last) + (random.nextBoolean() ? String.valueOf(random.nextInt(1, 100)) : "")
          + "@" + DOMAINS.get(random.nextInt(DOMAINS.size()));
    }
    String mobile = random.nextDouble() < 0.8 ? phone() : null;
    String home = random.nextDouble() < 0.3 ? phone() : null;
    boolean hasAddress = random.nextDouble() < 0.7;
    String postal = hasAddress ? postalCode() : null;
    String company = random.nextDouble() < 0.1 ? COMPANIES.get(random.nextInt(COMPANIES.size())) : null;
    String custom = random.nextDouble() < 0.4 ? "L" + (100_000_000L + index) : null;
    int tagCount = random.nextDouble() < 0.5 ? 0 : random.nextDouble() < 0.6 ? 1 : random.nextDouble() < 0.75 ? 2 : 3;
    java.util.LinkedHashSet<String> tags = new java.util.LinkedHashSet<>();
    for (int i = 0; i < tagCount; i++) {
      tags.add(pick(TAGS, tagWeights));
    }
    Instant created = start.plusSeconds(index * 240 + random.nextInt(240));
    LocalDate birth = random.nextDouble() < 0.3 ? LocalDate.of(1940 + random.nextInt(65), 1 + random.nextInt(12), 1 + random.nextInt(28)) : null;
    String notes = random.nextDouble() < 0.05 ? "Check-up due " + List.of("March", "June", "October").get(random.nextInt(3)) : null;
    return new Row(first, last, company, email, mobile, home,
        hasAddress ? (1 + random.nextInt(9999)) + " rue " + pick(LAST_NAMES, lastWeights) : null,
        hasAddress ? CITIES.get(random.nextInt(CITIES.size())) : null, postal, hasAddress ? "CA" : null, custom,
        List.copyOf(tags), created, birth, notes);
  }

  private String phone() {
    return "+1" + AREA_CODES.get(random.nextInt(AREA_CODES.size())) + (2_000_000 + random.nextInt(8_000_000));
  }

  private String postalCode() {
    return "" + letter() + random.nextInt(10) + letter() + " " + random.nextInt(10) + letter() + random.nextInt(10);
  }

  private char letter() {
    return POSTAL_LETTERS.charAt(random.nextInt(POSTAL_LETTERS.length()));
  }

  private String rareName() {
    StringBuilder name = new StringBuilder();
    int syllables = 2 + random.nextInt(3);
    for (int i = 0; i < syllables; i++) {
      name.append(SYLLABLES.get(random.nextInt(SYLLABLES.size())));
    }
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private <T> T pick(List<T> values, double[] cumulative) {
    double r = random.nextDouble() * cumulative[cumulative.length - 1];
    int i = java.util.Arrays.binarySearch(cumulative, r);
    return values.get(i >= 0 ? i : -i - 1);
  }

  private static double[] cumulative(int n, double exponent) {
    double[] weights = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1.0 / Math.pow(i + 1, exponent);
      weights[i] = sum;
    }
    return weights;
  }

  static String ascii(String text) {
    return Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}", "").replaceAll("[^A-Za-z]", "").toLowerCase(Locale.ROOT);
  }
}
