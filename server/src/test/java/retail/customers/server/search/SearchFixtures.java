package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ResourceNames;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.CustomerType;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.ListTagsRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.SearchCustomersResponse;
import retail.customers.v1.TagCount;
import retail.customers.v1.TaxClass;
import retail.customers.v1.TaxClassServiceGrpc;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * Stores of their own for search tests: a test that opens a new store (a
 * tenant) sees exactly the customers it made, so it can assert whole result
 * lists, filters alone included, whatever the other tests of its class did.
 */
final class SearchFixtures {
  private static final AtomicInteger STORES = new AtomicInteger();

  private SearchFixtures() {}

  /** A new tenant in {@code country} on the test server. */
  static Store newStore(ApiServer api, String country) {
    return new Store(api, api.services().apiKeys().createTenant("Search store " + STORES.incrementAndGet(), country));
  }

  /** A Canadian store. */
  static Store newStore(ApiServer api) {
    return newStore(api, "CA");
  }

  /** A valid customer with just a name. */
  static Customer.Builder person(String firstName, String lastName) {
    return Customer.newBuilder().setFirstName(firstName).setLastName(lastName);
  }

  static SearchCustomersRequest.Builder query(String text) {
    return SearchCustomersRequest.newBuilder().setQuery(text);
  }

  /** Resource names of customers, in their order. */
  static List<String> names(List<Customer> customers) {
    return customers.stream().map(Customer::getName).toList();
  }

  static List<String> names(Customer... customers) {
    return names(List.of(customers));
  }

  /** Resource names of customer ids, in their order (of a plain SQL query, say). */
  static List<String> namesOfIds(List<UUID> ids) {
    return ids.stream().map(id -> ResourceNames.format(ResourceNames.CUSTOMERS, id)).toList();
  }

  /** A search with other bounds than the server's, for tests that reach them with a few customers. */
  static CustomerSearch search(ApiServer api, int sortAllLimit, int tagWalkBudget, CountBudget countBudget) {
    return new CustomerSearch(
        api.database().dsl(), api.database().cachedPlans(), Clock.systemUTC(), sortAllLimit, tagWalkBudget, countBudget);
  }

  /** One store (tenant) with its stubs. */
  record Store(ApiServer api, ApiKeys.MintedKey key) {
    UUID tenantId() {
      return key.tenantId();
    }

    CustomerServiceBlockingStub customers() {
      return api.customers(key.key());
    }

    CustomerTypeServiceGrpc.CustomerTypeServiceBlockingStub types() {
      return CustomerTypeServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key.key()));
    }

    TaxClassServiceGrpc.TaxClassServiceBlockingStub taxClasses() {
      return TaxClassServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key.key()));
    }

    Customer create(Customer.Builder customer) {
      return customers().createCustomer(CreateCustomerRequest.newBuilder().setCustomer(customer).build());
    }

    Customer update(Customer customer, String... paths) {
      return customers().updateCustomer(
          UpdateCustomerRequest.newBuilder()
              .setCustomer(customer)
              .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths)))
              .build());
    }

    Customer archive(Customer customer) {
      return customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(customer.getName()).build());
    }

    Customer restore(Customer customer) {
      return customers().undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(customer.getName()).build());
    }

    Customer erase(Customer customer) {
      return customers().eraseCustomer(
          EraseCustomerRequest.newBuilder().setName(customer.getName()).setReason("customer asked (GDPR art. 17)").build());
    }

    CustomerType createType(CustomerType.Builder type) {
      return types().createCustomerType(CreateCustomerTypeRequest.newBuilder().setCustomerType(type).build());
    }

    TaxClass createTaxClass(String displayName, boolean isDefault) {
      return taxClasses().createTaxClass(
          CreateTaxClassRequest.newBuilder()
              .setTaxClass(TaxClass.newBuilder().setDisplayName(displayName).setIsDefault(isDefault))
              .build());
    }

    SearchCustomersResponse search(SearchCustomersRequest.Builder request) {
      return customers().searchCustomers(request.build());
    }

    /** Every customer that {@code request} finds, walking all its pages. */
    List<Customer> searchAll(SearchCustomersRequest.Builder request) {
      List<Customer> all = new ArrayList<>();
      SearchCustomersRequest.Builder next = request.clone();
      for (int page = 0; page < 10_000; page++) {
        SearchCustomersResponse response = search(next);
        all.addAll(response.getCustomersList());
        if (response.getNextPageToken().isEmpty()) {
          return all;
        }
        next.setPageToken(response.getNextPageToken());
      }
      throw new AssertionError("search never reached its last page");
    }

    /** Resource names of every customer that {@code search}, called directly, finds for {@code request}, page after page. */
    List<String> searchAll(CustomerSearch search, SearchCustomersRequest.Builder request) {
      Caller caller = new Caller(tenantId(), "CA", null);
      List<String> found = new ArrayList<>();
      SearchCustomersRequest.Builder next = request.clone();
      for (int page = 0; page < 10_000; page++) {
        SearchCustomersResponse response = search.search(caller, next.build());
        found.addAll(names(response.getCustomersList()));
        if (response.getNextPageToken().isEmpty()) {
          return found;
        }
        next.setPageToken(response.getNextPageToken());
      }
      throw new AssertionError("search never reached its last page");
    }

    /** Resource names of every customer the free text finds, in the order of the search. */
    List<String> find(String text) {
      return names(searchAll(query(text)));
    }

    /** Every tag of ListTags, walking all its pages. */
    List<TagCount> tags(ListTagsRequest.Builder request) {
      List<TagCount> all = new ArrayList<>();
      ListTagsRequest.Builder next = request.clone();
      for (int page = 0; page < 10_000; page++) {
        var response = customers().listTags(next.build());
        all.addAll(response.getTagsList());
        if (response.getNextPageToken().isEmpty()) {
          return all;
        }
        next.setPageToken(response.getNextPageToken());
      }
      throw new AssertionError("ListTags never reached its last page");
    }

    /**
     * Inserts {@code count} customers straight into the table, as an
     * import's COPY would, with last names {@code lastNamePrefix} followed by
     * a five-digit number from 00001 and the given first name; the database
     * fills the search columns. Returns how many rows were written.
     */
    int insertWithSql(int count, String firstName, String lastNamePrefix) {
      int written =
          api.database()
              .dsl()
              .execute(
                  "insert into customer (tenant_id, id, source, first_name, last_name)"
                      + " select ?::uuid, gen_random_uuid(), 'IMPORT', ?, ? || lpad(i::text, 5, '0')"
                      + " from generate_series(1, ?) i",
                  tenantId().toString(),
                  firstName,
                  lastNamePrefix,
                  count);
      assertThat(written).isEqualTo(count);
      return written;
    }
  }
}
