package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;
import retail.customers.v1.TagCount;

class SearchBasicsTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  @BeforeAll
  static void seed() {
    create(Customer.newBuilder().setFirstName("Hélène").setLastName("Smith").setMobilePhone("(514) 555-0123").addTags("VIP").addTags("Woman"));
    create(Customer.newBuilder().setFirstName("John").setLastName("Goldsmith").addTags("vip"));
    create(Customer.newBuilder().setFirstName("Ann").setLastName("Jones").addTags("Cyclist"));
  }

  private static void create(Customer.Builder c) {
    api.customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(c).build());
  }

  private static List<String> lastNames(SearchCustomersResponse r) {
    return r.getCustomersList().stream().map(Customer::getLastName).toList();
  }

  @Test
  void substringAccentAndCaseInsensitive() {
    SearchCustomersResponse r = api.customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery("MITH").setOrderBy("last_name").build());
    assertThat(lastNames(r)).containsExactly("Goldsmith", "Smith");
    assertThat(r.getTotalSize()).isEqualTo(2);
    assertThat(lastNames(api.customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery("helene").build()))).containsExactly("Smith");
    assertThat(lastNames(api.customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery("514.555.0123").build()))).containsExactly("Smith");
  }

  @Test
  void tagsFilterAndListTags() {
    SearchCustomersResponse r = api.customers().searchCustomers(SearchCustomersRequest.newBuilder()
        .setFilter(CustomerFilter.newBuilder().addTagsAll("vip")).build());
    assertThat(lastNames(r)).containsExactly("Goldsmith", "Smith");
    r = api.customers().searchCustomers(SearchCustomersRequest.newBuilder()
        .setFilter(CustomerFilter.newBuilder().addTagsNone("VIP, cyclist")).build());
    assertThat(lastNames(r)).isEmpty();
    List<TagCount> tags = api.customers().listTags(ListTagsRequest.newBuilder().build()).getTagsList();
    assertThat(tags).extracting(TagCount::getTag, TagCount::getCustomerCount)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Cyclist", 1L), org.assertj.core.groups.Tuple.tuple("VIP", 2L),
            org.assertj.core.groups.Tuple.tuple("Woman", 1L));
  }
}
