package retail.customers.server.duplicates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.violations;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.ApiKeys;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.Address;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.DuplicateGroup;
import retail.customers.v1.DuplicateGroup.MatchReason;
import retail.customers.v1.FindDuplicateCustomersRequest;
import retail.customers.v1.FindDuplicateCustomersResponse;

/** FindDuplicateCustomers: same e-mail, same phone, similar name at the same postal code; scored, paged (SPEC 3). */
class FindDuplicateCustomersTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private static ApiKeys.MintedKey store;
  private static Customer ann;
  private static Customer annAgain;
  private static Customer bob;
  private static Customer bobPhone;
  private static Customer jean;
  private static Customer jeanTypo;
  private static Customer jeanElsewhere;
  private static Customer loner;

  private static CustomerServiceBlockingStub customers() {
    return api.customers(store.key());
  }

  private static Address.Builder at(String postalCode) {
    return Address.newBuilder().setAddressLine1("1 rue Peel").setCity("Montréal").setPostalCode(postalCode).setCountryCode("CA");
  }

  @BeforeAll
  static void seed() {
    store = api.services().apiKeys().createTenant("Duplicates store", "CA");
    ann = Customers.create(customers(), Customer.newBuilder().setFirstName("Ann").setLastName("Archer").setEmail("ann@example.com"));
    annAgain = Customers.create(customers(), Customer.newBuilder().setFirstName("Anne").setLastName("Other").setEmail("ANN@example.com")
        .setMobilePhone("+1 514 555 0101"));
    bob = Customers.create(customers(), Customer.newBuilder().setFirstName("Bob").setLastName("Brown").setHomePhone("514-555-0199"));
    bobPhone = Customers.create(customers(), Customer.newBuilder().setFirstName("Robert").setLastName("Browne").setWorkPhone("(514) 555-0199"));
    jean = Customers.create(customers(), Customer.newBuilder().setFirstName("Jean").setLastName("Tremblay").setAddress(at("H2X 1Y4")));
    jeanTypo = Customers.create(customers(), Customer.newBuilder().setFirstName("Jean").setLastName("Tremblai").setAddress(at("h2x1y4")));
    jeanElsewhere = Customers.create(customers(), Customer.newBuilder().setFirstName("Jean").setLastName("Tremblay").setAddress(at("H3A 1T1")));
    loner = Customers.create(customers(), Customer.newBuilder().setFirstName("Zed").setLastName("Alone").setEmail("zed@example.com"));
    // A shop's own number, on 60 customers: nobody's.
    for (int i = 0; i < 60; i++) {
      Customers.create(customers(), Customer.newBuilder().setFirstName("Walkin" + i).setLastName("Customer" + i).setHomePhone("514-555-0000"));
    }
    // Archived customers are not compared.
    Customer archived = Customers.create(customers(), Customer.newBuilder().setFirstName("Zed").setEmail("zed@example.com"));
    customers().deleteCustomer(DeleteCustomerRequest.newBuilder().setName(archived.getName()).build());
  }

  private static List<DuplicateGroup> all(FindDuplicateCustomersRequest.Builder request) {
    List<DuplicateGroup> groups = new ArrayList<>();
    for (int page = 0; page < 100; page++) {
      FindDuplicateCustomersResponse response = customers().findDuplicateCustomers(request.build());
      groups.addAll(response.getGroupsList());
      if (response.getNextPageToken().isEmpty()) {
        return groups;
      }
      request.setPageToken(response.getNextPageToken());
    }
    throw new AssertionError("never reached the last page");
  }

  @Test
  void theWholeStoresPairsComeWithReasonsAndScoresBestFirst() {
    List<DuplicateGroup> groups = all(FindDuplicateCustomersRequest.newBuilder());

    assertThat(groups).hasSize(3);
    DuplicateGroup email = groups.get(0);
    assertThat(email.getCustomersList()).containsExactly(ann.getName(), annAgain.getName());
    assertThat(email.getReasonsList()).containsExactly(MatchReason.SAME_EMAIL);
    assertThat(email.getScore()).isCloseTo(0.9, within(1e-6));
    DuplicateGroup name = groups.get(2);
    assertThat(name.getCustomersList()).containsExactly(jean.getName(), jeanTypo.getName());
    assertThat(name.getReasonsList()).containsExactly(MatchReason.SIMILAR_NAME_SAME_POSTAL_CODE);
    assertThat(name.getScore()).isBetween(0.9 * 0.6, 0.8);
    DuplicateGroup phone = groups.get(1);
    assertThat(phone.getCustomersList()).containsExactly(bob.getName(), bobPhone.getName());
    assertThat(phone.getReasonsList()).containsExactly(MatchReason.SAME_PHONE);
    assertThat(phone.getScore()).isCloseTo(0.8, within(1e-6));
  }

  @Test
  void pagesHoldEveryPairOnce() {
    List<DuplicateGroup> byOne = all(FindDuplicateCustomersRequest.newBuilder().setPageSize(1));

    assertThat(byOne).isEqualTo(all(FindDuplicateCustomersRequest.newBuilder()));
  }

  @Test
  void oneCustomersDuplicatesAreItsPairsOnly() {
    assertThat(all(FindDuplicateCustomersRequest.newBuilder().setCustomer(jeanTypo.getName())))
        .extracting(g -> List.copyOf(g.getCustomersList()))
        .containsExactly(List.of(jean.getName(), jeanTypo.getName()));
    assertThat(all(FindDuplicateCustomersRequest.newBuilder().setCustomer(bobPhone.getName())))
        .extracting(g -> List.copyOf(g.getCustomersList()))
        .containsExactly(List.of(bob.getName(), bobPhone.getName()));
    assertThat(all(FindDuplicateCustomersRequest.newBuilder().setCustomer(loner.getName()))).isEmpty();
    assertThat(all(FindDuplicateCustomersRequest.newBuilder().setCustomer(jeanElsewhere.getName()))).isEmpty();
  }

  @Test
  void laterPagesLeaveOutPairsWhoseCustomersWereArchivedOrMergedSince() {
    ApiKeys.MintedKey other = api.services().apiKeys().createTenant("Duplicates store 3", "CA");
    CustomerServiceBlockingStub stub = api.customers(other.key());
    Customer a1 = Customers.create(stub, Customer.newBuilder().setFirstName("A").setEmail("a@example.com"));
    Customers.create(stub, Customer.newBuilder().setFirstName("A2").setEmail("a@example.com"));
    Customer b1 = Customers.create(stub, Customer.newBuilder().setFirstName("B").setHomePhone("514-555-0177"));
    Customers.create(stub, Customer.newBuilder().setFirstName("B2").setMobilePhone("514-555-0177"));
    Customer c1 = Customers.create(stub, Customer.newBuilder().setFirstName("C").setHomePhone("514-555-0188"));
    Customer c2 = Customers.create(stub, Customer.newBuilder().setFirstName("C2").setWorkPhone("514-555-0188"));

    FindDuplicateCustomersResponse first = stub.findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder().setPageSize(1).build());
    stub.deleteCustomer(DeleteCustomerRequest.newBuilder().setName(b1.getName()).build());
    FindDuplicateCustomersResponse second = stub.findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder().setPageSize(1)
        .setPageToken(first.getNextPageToken()).build());

    assertThat(first.getGroups(0).getCustomersList()).contains(a1.getName());
    assertThat(second.getGroupsList()).extracting(g -> List.copyOf(g.getCustomersList()))
        .containsExactly(List.of(c1.getName(), c2.getName()));
    assertThat(second.getNextPageToken()).isEmpty();
  }

  @Test
  void reasonsAddUpWhenAPairSharesSeveralThings() {
    ApiKeys.MintedKey other = api.services().apiKeys().createTenant("Duplicates store 2", "CA");
    CustomerServiceBlockingStub stub = api.customers(other.key());
    Customer first = Customers.create(stub, Customer.newBuilder().setFirstName("Eve").setEmail("eve@example.com").setHomePhone("514-555-0142"));
    Customer second = Customers.create(stub, Customer.newBuilder().setFirstName("Eva").setEmail("eve@example.com").setMobilePhone("514-555-0142"));

    List<DuplicateGroup> groups = stub.findDuplicateCustomers(FindDuplicateCustomersRequest.getDefaultInstance()).getGroupsList();

    assertThat(groups).hasSize(1);
    assertThat(groups.getFirst().getCustomersList()).containsExactly(first.getName(), second.getName());
    assertThat(groups.getFirst().getReasonsList()).containsExactly(MatchReason.SAME_EMAIL, MatchReason.SAME_PHONE);
    assertThat(groups.getFirst().getScore()).isCloseTo(1 - 0.1 * 0.2, within(1e-6));
  }

  @Test
  void badRequestsNameTheirFieldsAndAnUnknownCustomerIsNotFound() {
    var bad = failure(() -> customers().findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder()
        .setCustomer("people/1").setPageSize(-1).build()));
    var token = failure(() -> customers().findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder()
        .setPageToken("garbage").build()));
    var unknown = failure(() -> customers().findDuplicateCustomers(FindDuplicateCustomersRequest.newBuilder()
        .setCustomer("customers/" + java.util.UUID.randomUUID()).build()));

    assertThat(code(bad)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(bad)).containsOnlyKeys("customer", "page_size");
    assertThat(code(token)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(unknown)).isEqualTo(Status.Code.NOT_FOUND);
  }
}
