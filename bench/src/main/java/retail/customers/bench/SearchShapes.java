package retail.customers.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongFunction;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.SearchCustomersRequest;

/**
 * The query shapes that the benchmarks search with, each as a request to the
 * service and as the same search in SQL, with values sampled from the
 * measured tenant's customers so that the rare ones find someone.
 */
final class SearchShapes {
  static final int PAGE = 50;

  /** A query shape: how to ask the service, and the same thing in SQL; the targets are {@code target}. */
  record Shape(String name, boolean target, LongFunction<SearchCustomersRequest> request, LongFunction<SqlSearch> sql) {}

  /** A search in SQL: conditions (with their parameters) added to the base query, and the order. */
  record SqlSearch(String conditions, List<Object> parameters, String orderBy) {}

  private SearchShapes() {}

  /** Every shape, its values sampled from {@code tenant}'s customers over {@code c}. */
  static List<Shape> sample(Connection c, UUID tenant) throws SQLException {
    List<String> common = List.of("mith", "son", "mar", "ber", "tin");
    List<String> rare = sample(c, tenant, "select substr(lower(last_name), 2, 5) from customer where tenant_id = ? and length(last_name) >= 7"
        + " and last_name not in (" + String.join(",", CustomerGenerator.LAST_NAMES.stream().map(n -> "'" + n.replace("'", "''") + "'").toList())
        + ") order by id limit 200");
    List<String> phones = sample(c, tenant, "select right(mobile_phone, 7) from customer where tenant_id = ? and mobile_phone is not null order by id desc limit 200");
    List<String> postal = sample(c, tenant, "select lower(replace(postal_code, ' ', '')) from customer where tenant_id = ? and postal_code is not null order by id limit 200");
    List<String> firstNames = CustomerGenerator.FIRST_NAMES.subList(0, 20).stream().map(CustomerGenerator::ascii).toList();
    String text = "c.search_text like '%' || customer_normalize(?) || '%'";
    String newest = "c.create_time desc, c.id desc";
    String byLastName = "c.sort_last_name, c.id";
    return List.of(
        new Shape("common name substring", true,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(common, i)).setPageSize(PAGE).build(),
            i -> new SqlSearch(text, List.of(pick(common, i)), newest)),
        new Shape("rare substring", true,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(rare, i)).setPageSize(PAGE).build(),
            i -> new SqlSearch(text, List.of(pick(rare, i)), newest)),
        new Shape("phone suffix", true,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(phones, i)).setPageSize(PAGE).build(),
            i -> new SqlSearch(text, List.of(pick(phones, i)), newest)),
        new Shape("postal code", true,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(postal, i)).setPageSize(PAGE).build(),
            i -> new SqlSearch(text, List.of(pick(postal, i)), newest)),
        new Shape("tag filter with text", true,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(firstNames, i))
                .setFilter(CustomerFilter.newBuilder().addTagsAll("VIP")).setPageSize(PAGE).build(),
            i -> new SqlSearch(text + " and c.tag_keys @> customer_normalize_tags(?::text[])",
                List.of(pick(firstNames, i), new String[] {"VIP"}), newest)),
        new Shape("tag filter with a rare substring", false,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(rare, i))
                .setFilter(CustomerFilter.newBuilder().addTagsAll("VIP")).setPageSize(PAGE).build(),
            i -> new SqlSearch(text + " and c.tag_keys @> customer_normalize_tags(?::text[])",
                List.of(pick(rare, i), new String[] {"VIP"}), newest)),
        new Shape("tag filter sorted by last name", false,
            i -> SearchCustomersRequest.newBuilder().setOrderBy("last_name")
                .setFilter(CustomerFilter.newBuilder().addTagsAll(pick(CustomerGenerator.TAGS, i))).setPageSize(PAGE).build(),
            i -> new SqlSearch("c.tag_keys @> customer_normalize_tags(?::text[])",
                List.of((Object) new String[] {pick(CustomerGenerator.TAGS, i)}), byLastName)),
        new Shape("first page sorted by last name", true,
            i -> SearchCustomersRequest.newBuilder().setOrderBy("last_name").setPageSize(PAGE).build(),
            i -> new SqlSearch("true", List.of(), byLastName)),
        new Shape("common substring sorted by last name", false,
            i -> SearchCustomersRequest.newBuilder().setQuery(pick(common, i)).setOrderBy("last_name").setPageSize(PAGE).build(),
            i -> new SqlSearch(text, List.of(pick(common, i)), byLastName)));
  }

  private static List<String> sample(Connection c, UUID tenant, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setObject(1, tenant);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          values.add(r.getString(1));
        }
      }
    }
    if (values.isEmpty()) {
      throw new IllegalStateException("no sample for: " + sql);
    }
    return values;
  }

  private static <T> T pick(List<T> values, long i) {
    return values.get((int) (i % values.size()));
  }
}
