package retail.customers.server.search;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.search.SearchFixtures.names;
import static retail.customers.server.search.SearchFixtures.newStore;
import static retail.customers.server.search.SearchFixtures.person;
import static retail.customers.server.search.SearchFixtures.query;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.violations;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.search.SearchFixtures.Store;
import retail.customers.server.testing.ApiServer;
import retail.customers.v1.BatchCreateCustomersRequest;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerResult;
import retail.customers.v1.SearchCustomersRequest;

/** Sort orders (SPEC 4): each key both ways, ties by id, customers without a value last. */
class SearchSortTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** Customer ids compare as PostgreSQL compares uuids: by their bytes, which is their lower-case text. */
  private static final Comparator<Customer> BY_ID = Comparator.comparing(Customer::getName);

  private static List<String> sorted(Store store, String orderBy) {
    return names(store.searchAll(SearchCustomersRequest.newBuilder().setOrderBy(orderBy).setPageSize(2)));
  }

  private static List<String> reversed(List<String> names) {
    List<String> copy = new ArrayList<>(names);
    java.util.Collections.reverse(copy);
    return copy;
  }

  /** Names written with mixed case and accents, and the same last name three times. */
  private record Family(Customer adam, Customer emile, Customer eric, List<Customer> tremblays, Customer zoe,
      List<Customer> nameless) {}

  private static Family family(Store store) {
    Customer zoe = store.create(person("zed", "Zoë").setCompany("zeta Corp"));
    Customer eric = store.create(person("Bruno", "eric").setCompany("Éclair SA"));
    List<Customer> tremblays = new ArrayList<>();
    for (String first : List.of("Yves", "Alain", "Marc")) {
      tremblays.add(store.create(person(first, "Tremblay").setCompany("Acme")));
    }
    Customer emile = store.create(person("Élodie", "Émile").setCompany("ACME Labs"));
    Customer adam = store.create(person("abel", "adam").setCompany("Ébène"));
    List<Customer> nameless = new ArrayList<>();
    nameless.add(store.create(Customer.newBuilder().setEmail("first.nameless@example.com")));
    nameless.add(store.create(Customer.newBuilder().setEmail("second.nameless@example.com")));
    tremblays.sort(BY_ID);
    nameless.sort(BY_ID);
    return new Family(adam, emile, eric, tremblays, zoe, nameless);
  }

  @Test
  void lastNameAscendingIgnoresCaseAndAccentsBreaksTiesByIdAndPutsCustomersWithoutOneLast() {
    Store store = newStore(api);
    Family f = family(store);

    List<String> expected = new ArrayList<>(names(f.adam, f.emile, f.eric));
    expected.addAll(names(f.tremblays));
    expected.add(f.zoe.getName());
    expected.addAll(names(f.nameless));

    assertThat(sorted(store, "last_name")).containsExactlyElementsOf(expected);
    assertThat(sorted(store, "last_name asc")).containsExactlyElementsOf(expected);
    assertThat(sorted(store, "")).as("the default without a query").containsExactlyElementsOf(expected);
  }

  @Test
  void lastNameDescendingIsTheExactReverseAmongNamedCustomers() {
    Store store = newStore(api);
    Family f = family(store);

    List<String> named = new ArrayList<>(names(f.zoe));
    named.addAll(reversed(names(f.tremblays)));
    named.addAll(names(f.eric, f.emile, f.adam));

    List<String> descending = sorted(store, "last_name desc");
    assertThat(descending).filteredOn(n -> !names(f.nameless).contains(n)).containsExactlyElementsOf(named);
    assertThat(descending).hasSize(named.size() + f.nameless.size());
  }

  @Test
  void namesThatDifferOnlyInCaseOrAccentsAreEqualAndComeInIdOrder() {
    Store store = newStore(api);
    List<Customer> cotes = new ArrayList<>();
    for (String last : List.of("Côté", "cote", "COTE", "Coté")) {
      cotes.add(store.create(person("X", last)));
    }
    Customer after = store.create(person("X", "Cotes"));
    cotes.sort(BY_ID);

    List<String> expected = new ArrayList<>(names(cotes));
    expected.add(after.getName());
    assertThat(sorted(store, "last_name")).containsExactlyElementsOf(expected);
    assertThat(sorted(store, "last_name desc")).containsExactlyElementsOf(reversed(expected));
  }

  @Test
  void firstNameSortsIgnoringCaseAndAccentsBothWays() {
    Store store = newStore(api);
    Family f = family(store);
    // abel, Alain, Bruno, Élodie, Marc, Yves, zed
    List<String> expected = names(f.adam, f.tremblays.stream().filter(c -> c.getFirstName().equals("Alain")).findFirst().orElseThrow(),
        f.eric, f.emile, f.tremblays.stream().filter(c -> c.getFirstName().equals("Marc")).findFirst().orElseThrow(),
        f.tremblays.stream().filter(c -> c.getFirstName().equals("Yves")).findFirst().orElseThrow(), f.zoe);

    List<String> ascending = sorted(store, "first_name");
    assertThat(ascending.subList(0, expected.size())).containsExactlyElementsOf(expected);
    assertThat(ascending.subList(expected.size(), ascending.size())).containsExactlyElementsOf(names(f.nameless));
    assertThat(sorted(store, "first_name desc")).filteredOn(expected::contains).containsExactlyElementsOf(reversed(expected));
  }

  @Test
  void companySortsIgnoringCaseAndAccentsWithTiesByIdBothWays() {
    Store store = newStore(api);
    Family f = family(store);
    // Acme (x3, by id), ACME Labs, Ébène, Éclair SA, zeta Corp; then those without a company.
    List<String> expected = new ArrayList<>(names(f.tremblays));
    expected.addAll(names(f.emile, f.adam, f.eric, f.zoe));

    List<String> ascending = sorted(store, "company");
    assertThat(ascending.subList(0, expected.size())).containsExactlyElementsOf(expected);
    assertThat(ascending.subList(expected.size(), ascending.size())).containsExactlyElementsOf(names(f.nameless));
    assertThat(sorted(store, "company desc")).filteredOn(expected::contains).containsExactlyElementsOf(reversed(expected));
  }

  @Test
  void createTimeSortsBothWays() {
    Store store = newStore(api);
    List<String> created = new ArrayList<>();
    for (String last : List.of("Moreau", "Able", "Zorn", "Baker")) {
      created.add(store.create(person("X", last)).getName());
    }

    assertThat(sorted(store, "create_time")).containsExactlyElementsOf(created);
    assertThat(sorted(store, "create_time desc")).containsExactlyElementsOf(reversed(created));
  }

  @Test
  void customersCreatedTogetherSortByIdWithinTheSameTime() {
    Store store = newStore(api);
    BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder();
    for (String last : List.of("Moreau", "Able", "Zorn", "Baker", "Cole")) {
      batch.addRequests(CreateCustomerRequest.newBuilder().setCustomer(person("X", last)));
    }
    List<Customer> together =
        store.customers().batchCreateCustomers(batch.build()).getResultsList().stream().map(CustomerResult::getCustomer).toList();
    assertThat(together).extracting(Customer::getCreateTime).containsOnly(together.getFirst().getCreateTime());
    List<String> byId = names(together.stream().sorted(BY_ID).toList());

    assertThat(sorted(store, "create_time")).containsExactlyElementsOf(byId);
    assertThat(sorted(store, "create_time desc")).containsExactlyElementsOf(reversed(byId));
  }

  @Test
  void tiesOnFirstNameAndOnUpdateTimeAreBrokenByIdBothWays() {
    Store store = newStore(api);
    BatchCreateCustomersRequest.Builder batch = BatchCreateCustomersRequest.newBuilder();
    for (String last : List.of("Moreau", "Able", "Zorn", "Baker")) {
      batch.addRequests(CreateCustomerRequest.newBuilder().setCustomer(person("Marie", last)));
    }
    List<Customer> together =
        store.customers().batchCreateCustomers(batch.build()).getResultsList().stream().map(CustomerResult::getCustomer).toList();
    assertThat(together).extracting(Customer::getUpdateTime).containsOnly(together.getFirst().getUpdateTime());
    List<String> byId = names(together.stream().sorted(BY_ID).toList());

    assertThat(sorted(store, "first_name")).containsExactlyElementsOf(byId);
    assertThat(sorted(store, "first_name desc")).containsExactlyElementsOf(reversed(byId));
    assertThat(sorted(store, "update_time")).containsExactlyElementsOf(byId);
    assertThat(sorted(store, "update_time desc")).containsExactlyElementsOf(reversed(byId));
  }

  @Test
  void updateTimeSortsBothWays() {
    Store store = newStore(api);
    Customer a = store.create(person("Ann", "Able"));
    Customer b = store.create(person("Bob", "Baker"));
    Customer c = store.create(person("Carl", "Cole"));
    c = store.update(c.toBuilder().setNotes("first change").build(), "notes");
    a = store.update(a.toBuilder().setNotes("second change").build(), "notes");

    assertThat(sorted(store, "update_time")).containsExactly(b.getName(), c.getName(), a.getName());
    assertThat(sorted(store, "update_time desc")).containsExactly(a.getName(), c.getName(), b.getName());
  }

  @Test
  void withAQueryTheDefaultIsNewestFirst() {
    Store store = newStore(api);
    Customer older = store.create(person("Betty", "Able"));
    Customer newer = store.create(person("Betty", "Zorn"));
    Customer middle = store.create(person("Betty", "Moreau"));

    assertThat(names(store.searchAll(query("betty").setPageSize(1))))
        .containsExactly(middle.getName(), newer.getName(), older.getName());
    assertThat(names(store.searchAll(query("betty").setOrderBy("last_name"))))
        .containsExactly(older.getName(), middle.getName(), newer.getName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"price", "last_name descending", "last_name desc create_time", "last_name,create_time", "desc", "id"})
  void anUnknownOrderIsInvalid(String orderBy) {
    Store store = newStore(api);

    StatusRuntimeException e = failure(() -> store.search(SearchCustomersRequest.newBuilder().setOrderBy(orderBy)));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("order_by");
  }

  @Test
  void everyKeyAndDirectionIsAccepted() {
    Store store = newStore(api);
    Customer ann = store.create(person("Ann", "Able"));

    Stream.of("last_name", "first_name", "company", "create_time", "update_time")
        .flatMap(key -> Stream.of(key, key + " asc", key + " desc", key.toUpperCase() + " DESC"))
        .forEach(orderBy -> assertThat(sorted(store, orderBy)).as(orderBy).containsExactly(ann.getName()));
  }
}
