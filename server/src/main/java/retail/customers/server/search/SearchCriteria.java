package retail.customers.server.search;

import static org.jooq.impl.DSL.and;
import static org.jooq.impl.DSL.arrayOverlap;
import static org.jooq.impl.DSL.concat;
import static org.jooq.impl.DSL.falseCondition;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.not;
import static org.jooq.impl.DSL.or;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.val;
import static retail.customers.db.Tables.CUSTOMER;
import static retail.customers.server.grpc.ResourceNames.CUSTOMER_TYPES;
import static retail.customers.server.grpc.ResourceNames.TAX_CLASSES;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.SQLDataType;
import retail.customers.server.customer.CustomerRepository;
import retail.customers.server.grpc.ProtoTime;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.grpc.Violations;
import retail.customers.server.validation.Decimals;
import retail.customers.server.validation.Tags;
import retail.customers.server.validation.Texts;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.DiscountFilter;
import retail.customers.v1.DiscountRange;

/**
 * What a search or an export selects: free-text words and filters, checked
 * and turned into one jOOQ condition on the {@code customer} table.
 *
 * <p>Each word must match the normalised search text as a substring. The
 * pattern is normalised in SQL by the same function as the column, so that
 * "Hélène" and "helene" meet whatever Java and PostgreSQL think of accents.
 * Words that carry digits also match without their separators ("555-0123"
 * finds the phone digits 5550123, "h2x-1y4" the postal code H2X1Y4), and a
 * phone number written with a leading trunk zero also matches without it
 * ("0123456789" finds +33 1 23 45 67 89). Consecutive words that are all
 * digit groups may also match together, as one number ("01 23 45 67 89").
 */
public final class SearchCriteria {
  static final int MAX_QUERY_LENGTH = 200;
  static final int MAX_WORDS = 10;
  static final int MAX_FILTER_VALUES = 100;
  static final int MAX_FILTER_TAGS = 50;
  private static final String NO_TYPE = CUSTOMER_TYPES + "/-";
  private static final Pattern PHONE_LIKE = Pattern.compile("\\+?[\\d().\\-/]*\\d[\\d().\\-/]*");
  private static final Pattern SEPARATORS = Pattern.compile("[().\\-/+]");
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  /**
   * Digits a number written with a trunk zero must keep without it to also
   * match as a phone number. Shorter numbers that start with a zero are
   * postal codes ("00100") and identifiers far more often than phones, and
   * without their zero they would match any text that holds the rest ("100"
   * is in the postal code 33100).
   */
  private static final int MIN_NATIONAL_DIGITS = 7;

  /**
   * One word of the free text (or a run of digit groups): a condition on a
   * search-text column, and the same test on a search text in Java, for
   * judging from the planner's sample how common the word is; and whether
   * each of its spellings has a trigram for the trigram index to look up.
   */
  private record Term(BiFunction<Field<String>, Computed, Condition> sql, Predicate<String> sample, boolean indexed) {}

  /**
   * How the SQL computes a function of bound values (a word's pattern, the
   * keys of tags). For a plan made for the values, inline: the planner folds
   * it into a constant and estimates on that. For a cached plan, in a scalar
   * subquery, which PostgreSQL computes once per statement: inline, a plan
   * made without the values would compute it again for every row it tests
   * (10,000 times for a bounded walk).
   */
  private enum Computed {
    INLINE,
    ONCE_PER_STATEMENT;

    <T> Field<T> of(Field<T> value) {
      return this == INLINE ? value : field(select(value));
    }
  }

  /** The free text: every term must match. */
  private final List<Term> terms;
  /** The filters but for tags. */
  private final Condition filters;
  private final List<String> tagsAll;
  private final List<String> tagsNone;
  private final boolean filtered;
  private final boolean showDeleted;
  private final Computed computed;

  private SearchCriteria(
      List<Term> terms, Condition filters, List<String> tagsAll, List<String> tagsNone, boolean filtered, boolean showDeleted,
      Computed computed) {
    this.terms = terms;
    this.filters = filters;
    this.tagsAll = tagsAll;
    this.tagsNone = tagsNone;
    this.filtered = filtered;
    this.showDeleted = showDeleted;
    this.computed = computed;
  }

  /**
   * The same criteria for a statement run on a cached plan
   * ({@link retail.customers.server.db.Database#cachedPlans()}): what they
   * compute from the words and tags is computed once per statement.
   */
  SearchCriteria forCachedPlan() {
    return new SearchCriteria(terms, filters, tagsAll, tagsNone, filtered, showDeleted, Computed.ONCE_PER_STATEMENT);
  }

  /**
   * Checks a query and its filters; INVALID_ARGUMENT naming every bad field.
   *
   * @param showDeleted whether archived customers are included
   */
  public static SearchCriteria parse(String query, CustomerFilter filter, boolean showDeleted) {
    Violations violations = new Violations();
    SearchCriteria criteria = parse(violations, query, filter, showDeleted);
    violations.throwIfAny();
    return criteria;
  }

  /** Like {@link #parse(String, CustomerFilter, boolean)}, adding problems to {@code violations} instead of failing. */
  public static SearchCriteria parse(Violations violations, String query, CustomerFilter filter, boolean showDeleted) {
    List<Term> terms = terms(violations, query);
    List<Condition> conditions = new ArrayList<>();
    if (!showDeleted) {
      conditions.add(CUSTOMER.DELETE_TIME.isNull());
    }
    conditions.add(CUSTOMER.MERGED_INTO.isNull());
    int unfiltered = conditions.size();
    customerTypes(violations, filter.getCustomerTypesList()).ifPresent(conditions::add);
    createTime(violations, filter).ifPresent(conditions::add);
    if (filter.hasDiscount()) {
      discount(violations, filter.getDiscount()).ifPresent(conditions::add);
    }
    taxClasses(violations, filter.getTaxClassesList()).ifPresent(conditions::add);
    List<String> all = tags(violations, "filter.tags_all", filter.getTagsAllList());
    List<String> none = tags(violations, "filter.tags_none", filter.getTagsNoneList());
    boolean filtered = conditions.size() > unfiltered || !all.isEmpty() || !none.isEmpty();
    return new SearchCriteria(terms, and(conditions), List.copyOf(all), List.copyOf(none), filtered, showDeleted, Computed.INLINE);
  }

  /** Whether this selects every customer of the tenant (archived ones too if {@link #showDeleted}): no text, no filter. */
  public boolean everyone() {
    return terms.isEmpty() && !filtered;
  }

  /** Whether there is free text and nothing else to select by. */
  boolean textOnly() {
    return !terms.isEmpty() && !filtered;
  }

  /** Whether archived customers are included. */
  public boolean showDeleted() {
    return showDeleted;
  }

  /**
   * Whether the trigram index finds the matches of every word: each has
   * three characters or more in all its spellings. The index reads all of
   * itself for a shorter one.
   */
  boolean textIndexed() {
    return terms.stream().allMatch(Term::indexed);
  }

  /** Whether there is free text (which decides the default order and the search strategy). */
  public boolean hasText() {
    return !terms.isEmpty();
  }

  /** The filters alone, without the free text. */
  public Condition filters() {
    Condition tags = noCondition();
    if (!tagsAll.isEmpty()) {
      tags = tags.and(CUSTOMER.TAG_KEYS.contains(computed.of(normalizedTags(tagsAll))));
    }
    if (!tagsNone.isEmpty()) {
      tags = tags.and(not(arrayOverlap(CUSTOMER.TAG_KEYS, computed.of(normalizedTags(tagsNone)))));
    }
    return filters.and(tags);
  }

  /** The free-text words: each must match (one of its spellings) somewhere in the customer's search text. */
  public Condition text() {
    return text(CUSTOMER.SEARCH_TEXT);
  }

  /** The free-text words matched against another column holding the same normalised search text. */
  public Condition text(Field<String> searchText) {
    return and(terms.stream().map(term -> term.sql().apply(searchText, computed)).toList());
  }

  /**
   * Whether a stored search text matches the free text, tested in Java: an
   * approximation of the SQL (Java's accent folding is close to, not the
   * same as, {@code unaccent}), good for judging from a sample how common
   * the words are, never for selecting customers.
   */
  boolean textMatchesSample(String searchText) {
    return terms.stream().allMatch(term -> term.sample().test(searchText));
  }

  /** The tags the customers must all have, as given (not normalised); empty when the filter is unset. */
  public List<String> tagsAll() {
    return tagsAll;
  }

  /** The normalised keys of tags, as the customer's {@code tag_keys} holds them, computed in SQL. */
  public static Field<String[]> normalizedTags(List<String> tags) {
    return function("customer_normalize_tags", SQLDataType.VARCHAR.array(), val(tags.toArray(String[]::new)));
  }

  /** Text and filters. */
  public Condition condition() {
    return hasText() ? filters().and(text()) : filters();
  }

  private static Condition contains(Field<String> searchText, String word, Computed computed) {
    return searchText.like(computed.of(concat(inline("%"), normalize(val(escapeLike(word))), inline("%"))));
  }

  static Field<String> normalize(Field<String> value) {
    return function("customer_normalize", SQLDataType.VARCHAR, value);
  }

  static String escapeLike(String word) {
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  /**
   * What the words of the query require: each word must match in one of its
   * spellings somewhere. A run of consecutive digit groups may instead match
   * as one number: a phone written in groups is stored as its digits, where a
   * group may not appear alone ("01", the trunk zero of "01 23 45 67 89", is
   * not in +33123456789). Matching the groups one by one too keeps queries
   * such as "75001 1234" (a postal code and a loyalty number) working.
   */
  private static List<Term> terms(Violations violations, String query) {
    String text = query.strip();
    if (text.length() > MAX_QUERY_LENGTH) {
      violations.add("query", "must be at most " + MAX_QUERY_LENGTH + " characters");
      return List.of();
    }
    if (text.isEmpty()) {
      return List.of();
    }
    if (retail.customers.server.validation.Texts.hasControlCharacters(text, false)) {
      // PostgreSQL refuses a NUL in text outright: say so, not INTERNAL.
      violations.add("query", "must not contain control characters or line breaks");
      return List.of();
    }
    String[] parts = WHITESPACE.split(text);
    if (parts.length > MAX_WORDS) {
      violations.add("query", "must have at most " + MAX_WORDS + " words");
      return List.of();
    }
    List<Term> terms = new ArrayList<>();
    int start = 0;
    while (start < parts.length) {
      int end = start;
      while (end < parts.length && PHONE_LIKE.matcher(parts[end]).matches()) {
        end++;
      }
      if (end - start < 2) {
        String word = parts[start];
        terms.add(new Term((column, computed) -> matches(column, word, computed), inSample(word), hasTrigrams(word)));
        start++;
      } else {
        List<String> run = List.of(parts).subList(start, end);
        String joined = String.join("", run);
        List<Predicate<String>> each = run.stream().map(SearchCriteria::inSample).toList();
        Predicate<String> together = inSample(joined);
        terms.add(new Term(
            (column, computed) ->
                or(and(run.stream().map(word -> matches(column, word, computed)).toList()), matches(column, joined, computed)),
            sample -> each.stream().allMatch(word -> word.test(sample)) || together.test(sample),
            hasTrigrams(joined) && run.stream().allMatch(SearchCriteria::hasTrigrams)));
        start = end;
      }
    }
    return terms;
  }

  /** The word is in the search text in one of its spellings. */
  private static Condition matches(Field<String> searchText, String word, Computed computed) {
    return or(spellings(word).stream().map(spelling -> contains(searchText, spelling, computed)).toList());
  }

  /** Whether the word is in a stored search text in one of its spellings, folded in Java as the SQL folds it. */
  private static Predicate<String> inSample(String word) {
    List<String> folded = spellings(word).stream().map(SearchCriteria::fold).toList();
    return searchText -> folded.stream().anyMatch(searchText::contains);
  }

  private static String fold(String text) {
    return MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFD)).replaceAll("").toLowerCase(Locale.ROOT);
  }

  /** Whether every spelling of the word is three characters or more: a shorter one has no trigram to look up. */
  private static boolean hasTrigrams(String word) {
    return spellings(word).stream().allMatch(spelling -> spelling.codePointCount(0, spelling.length()) >= 3);
  }

  /** The word as typed, and as the digits and postal codes of the search text are stored. */
  private static Set<String> spellings(String word) {
    Set<String> spellings = new LinkedHashSet<>();
    spellings.add(word);
    if (word.chars().anyMatch(Character::isDigit)) {
      String compact = SEPARATORS.matcher(word).replaceAll("");
      if (!compact.isEmpty()) {
        spellings.add(compact);
      }
      if (PHONE_LIKE.matcher(word).matches() && compact.startsWith("0")) {
        String national = compact.replaceFirst("^0+", "");
        if (national.length() >= MIN_NATIONAL_DIGITS) {
          spellings.add(national);
        }
      }
    }
    return spellings;
  }

  private static Optional<Condition> customerTypes(Violations violations, List<String> names) {
    if (names.isEmpty()) {
      return Optional.empty();
    }
    if (names.size() > MAX_FILTER_VALUES) {
      violations.add("filter.customer_types", "at most " + MAX_FILTER_VALUES + " values");
      return Optional.empty();
    }
    List<UUID> ids = new ArrayList<>();
    boolean none = false;
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equals(NO_TYPE)) {
        none = true;
        continue;
      }
      UUID id = ResourceNames.tryParseUuid(names.get(i), CUSTOMER_TYPES);
      if (id == null) {
        violations.add("filter.customer_types[" + i + "]",
            ResourceNames.describe(names.get(i), CUSTOMER_TYPES) + ", or " + NO_TYPE + " for customers without a type");
      } else {
        ids.add(id);
      }
    }
    Condition typed = ids.isEmpty() ? falseCondition() : CUSTOMER.CUSTOMER_TYPE_ID.in(ids);
    return Optional.of(none ? typed.or(CUSTOMER.CUSTOMER_TYPE_ID.isNull()) : typed);
  }

  private static Optional<Condition> createTime(Violations violations, CustomerFilter filter) {
    Condition condition = noCondition();
    Timestamp from = filter.getCreateTimeFrom();
    Timestamp to = filter.getCreateTimeTo();
    boolean valid = true;
    if (filter.hasCreateTimeFrom()) {
      if (ProtoTime.isValid(from)) {
        condition = condition.and(CUSTOMER.CREATE_TIME.ge(toMicros(from)));
      } else {
        violations.add("filter.create_time_from", "is not a valid time");
        valid = false;
      }
    }
    if (filter.hasCreateTimeTo()) {
      if (ProtoTime.isValid(to)) {
        condition = condition.and(CUSTOMER.CREATE_TIME.lt(toMicros(to)));
      } else {
        violations.add("filter.create_time_to", "is not a valid time");
        valid = false;
      }
    }
    if (valid && filter.hasCreateTimeFrom() && filter.hasCreateTimeTo()
        && Timestamps.compare(from, to) >= 0) {
      violations.add("filter.create_time_to", "must be after create_time_from");
    }
    return filter.hasCreateTimeFrom() || filter.hasCreateTimeTo() ? Optional.of(condition) : Optional.empty();
  }

  /**
   * A time bound as PostgreSQL, which keeps microseconds, can compare it:
   * rounded up. A time stored as t is at or after a bound b exactly when it
   * is at or after b rounded up (and before b exactly when before it),
   * whereas the JDBC driver would round to the nearest microsecond and take
   * in a customer created 0.4 µs before the start.
   */
  private static OffsetDateTime toMicros(Timestamp bound) {
    OffsetDateTime time = ProtoTime.toOffsetDateTime(bound);
    OffsetDateTime micros = time.truncatedTo(ChronoUnit.MICROS);
    return micros.equals(time) ? time : micros.plus(1, ChronoUnit.MICROS);
  }

  private static Optional<Condition> discount(Violations violations, DiscountFilter filter) {
    switch (filter.getConditionCase()) {
      case NONE -> {
        if (!filter.getNone()) {
          violations.add("filter.discount.none", "must be true when set (leave the discount filter unset to not filter)");
          return Optional.empty();
        }
        return Optional.of(CUSTOMER.DISCOUNT_PERCENT.isNull());
      }
      case EQUALS -> {
        Optional<BigDecimal> value = Decimals.percent(filter.getEquals());
        if (value.isEmpty()) {
          violations.add("filter.discount.equals", Decimals.percentProblem());
        }
        return value.map(CUSTOMER.DISCOUNT_PERCENT::eq);
      }
      case RANGE -> {
        DiscountRange range = filter.getRange();
        if (!range.hasMin() && !range.hasMax()) {
          violations.add("filter.discount.range", "needs min, max or both");
          return Optional.empty();
        }
        Condition condition = noCondition();
        BigDecimal min = null;
        BigDecimal max = null;
        if (range.hasMin()) {
          min = Decimals.percent(range.getMin()).orElse(null);
          if (min == null) {
            violations.add("filter.discount.range.min", Decimals.percentProblem());
          } else {
            condition = condition.and(CUSTOMER.DISCOUNT_PERCENT.ge(min));
          }
        }
        if (range.hasMax()) {
          max = Decimals.percent(range.getMax()).orElse(null);
          if (max == null) {
            violations.add("filter.discount.range.max", Decimals.percentProblem());
          } else {
            condition = condition.and(CUSTOMER.DISCOUNT_PERCENT.le(max));
          }
        }
        if (min != null && max != null && min.compareTo(max) > 0) {
          violations.add("filter.discount.range", "min must not be greater than max");
        }
        return Optional.of(condition);
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  /** The effective tax class (own, else the type's, else the store default) is one of these. */
  private static Optional<Condition> taxClasses(Violations violations, List<String> names) {
    if (names.isEmpty()) {
      return Optional.empty();
    }
    if (names.size() > MAX_FILTER_VALUES) {
      violations.add("filter.tax_classes", "at most " + MAX_FILTER_VALUES + " values");
      return Optional.empty();
    }
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      UUID id = ResourceNames.tryParseUuid(names.get(i), TAX_CLASSES);
      if (id == null) {
        violations.add("filter.tax_classes[" + i + "]", ResourceNames.describe(names.get(i), TAX_CLASSES));
      } else {
        ids.add(id);
      }
    }
    return Optional.of(CustomerRepository.effectiveTaxClass().in(ids));
  }

  /**
   * The tags of a filter, each element checked by its index: a NUL went on to
   * PostgreSQL, which refuses it in text (INTERNAL), and a tag no customer
   * can have is a client's mistake.
   */
  private static List<String> tags(Violations violations, String field, List<String> elements) {
    for (int i = 0; i < elements.size(); i++) {
      String element = elements.get(i);
      if (Texts.hasControlCharacters(element, false)) {
        violations.add(field + "[" + i + "]", "must be a single line without control characters");
        continue;
      }
      for (String tag : Tags.split(List.of(element))) {
        if (tag.length() > Tags.MAX_LENGTH) {
          violations.add(field + "[" + i + "]", "tag \"" + tag + "\" is longer than " + Tags.MAX_LENGTH + " characters");
        }
      }
    }
    List<String> tags = Tags.split(elements);
    if (tags.size() > MAX_FILTER_TAGS) {
      violations.add(field, "at most " + MAX_FILTER_TAGS + " tags");
    }
    return tags;
  }
}
