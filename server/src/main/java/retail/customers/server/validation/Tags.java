package retail.customers.server.validation;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import retail.customers.server.grpc.Violations;

/**
 * Tags ("56 cm", "Woman", "Motorcyclist"): trimmed, at most {@value #MAX_LENGTH}
 * characters, no commas (a comma separates tags in filters and CSV cells),
 * unique ignoring case and accents (the first spelling wins).
 */
public final class Tags {
  public static final int MAX_LENGTH = 50;
  public static final int MAX_TAGS = 100;

  private Tags() {}

  /** The tags of a customer, checked; violations name {@code field[i]}. */
  public static List<String> normalize(Violations violations, String field, List<String> tags) {
    if (tags.size() > MAX_TAGS) {
      violations.add(field, "at most " + MAX_TAGS + " tags");
      return List.of();
    }
    Map<String, String> unique = new LinkedHashMap<>();
    for (int i = 0; i < tags.size(); i++) {
      String path = field + "[" + i + "]";
      String tag = Texts.check(violations, path, tags.get(i), MAX_LENGTH, false);
      if (tag.isEmpty()) {
        violations.add(path, "must not be empty");
      } else if (tag.indexOf(',') >= 0) {
        violations.add(path, "must not contain a comma (commas separate tags)");
      } else {
        unique.putIfAbsent(key(tag), tag);
      }
    }
    return new ArrayList<>(unique.values());
  }

  /**
   * Tags given in a filter or a CSV cell, where each element may hold several
   * separated by commas: ["56 cm, Woman", "Motorcyclist"] is three tags.
   */
  public static List<String> split(List<String> elements) {
    Map<String, String> unique = new LinkedHashMap<>();
    for (String element : elements) {
      for (String part : element.split(",")) {
        String tag = part.strip();
        if (!tag.isEmpty()) {
          unique.putIfAbsent(key(tag), tag);
        }
      }
    }
    return new ArrayList<>(unique.values());
  }

  /** How tags compare: ignoring case and accents, as search and ListTags do. */
  public static String key(String tag) {
    return Normalizer.normalize(tag, Normalizer.Form.NFD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
  }
}
