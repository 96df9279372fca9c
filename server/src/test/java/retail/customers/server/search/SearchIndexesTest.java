package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;

/**
 * The normalised search data is indexed (SPEC 4): a substring goes through
 * the trigram index and a tag through the GIN index, not through every row.
 */
class SearchIndexesTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static UUID tenant;

  @BeforeAll
  static void seed() {
    tenant = api.tenantA().tenantId();
    // 20,000 customers with names of their own (md5 digests), one in a thousand tagged "Rare".
    api.database().dsl().execute(
        "insert into customer (tenant_id, id, source, first_name, last_name, tags)"
            + " select ?, gen_random_uuid(), 'IMPORT', 'Anne', md5(n::text),"
            + " case when n % 1000 = 0 then array['Rare'] else '{}' end"
            + " from generate_series(1, 20000) n",
        tenant);
    // As after autovacuum: the trigram index's pending list merged, statistics fresh.
    api.database().dsl().execute("vacuum analyze customer");
  }

  private static String plan(String condition) {
    return String.join("\n", api.database().dsl()
        .fetch("explain select id from customer where tenant_id = ?::uuid and " + condition, tenant.toString())
        .getValues(0, String.class));
  }

  @Test
  void aSubstringOfTheSearchTextUsesTheTrigramIndex() {
    // Eight characters from the middle of one customer's name.
    assertThat(plan("search_text like '%' || substr(md5('12345'), 10, 8) || '%'")).contains("customer_search_trgm_ix");
  }

  @Test
  void aTagUsesTheTagIndex() {
    assertThat(plan("tag_keys @> customer_normalize_tags(array['RARE'])")).contains("customer_tag_keys_ix");
  }

  @Test
  void theGinIndexesKeepShortPendingLists() {
    // Every search reads a GIN index's whole pending list: 4 MB by default, 128 kB here.
    for (String index : new String[] {"customer_search_trgm_ix", "customer_tag_keys_ix"}) {
      String[] options = api.database().dsl()
          .fetchSingle("select reloptions from pg_class where relname = ?", index).get(0, String[].class);
      assertThat(options).as(index).contains("gin_pending_list_limit=128");
    }
  }

  @Test
  void theSearchTextKeepsALargerSampleForThePlanner() {
    // With 100 values, a word in 3% of the customers is missing from the sample one time in twenty.
    Object target = api.database().dsl().fetchValue(
        "select attstattarget from pg_attribute where attrelid = 'customer'::regclass and attname = 'search_text'");
    assertThat(((Number) target).intValue()).isEqualTo(300);
  }
}
