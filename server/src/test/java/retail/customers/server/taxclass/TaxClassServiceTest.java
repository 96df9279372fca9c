package retail.customers.server.taxclass;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;
import static retail.customers.server.testing.Errors.violations;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerTypeRequest;
import retail.customers.v1.CreateTaxClassRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerType;
import retail.customers.v1.DeleteTaxClassRequest;
import retail.customers.v1.GetTaxClassRequest;
import retail.customers.v1.ListTaxClassesRequest;
import retail.customers.v1.ListTaxClassesResponse;
import retail.customers.v1.TaxClass;
import retail.customers.v1.TaxClassServiceGrpc.TaxClassServiceBlockingStub;
import retail.customers.v1.UpdateTaxClassRequest;

/**
 * TaxClassService: names unique ignoring case, at most one store default,
 * and no deletion of a tax class that is the default or still in use. Tests
 * that need an empty store, or the default flag, use a tenant of their own.
 */
class TaxClassServiceTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** The stub of a new store, so the test sees only its own tax classes. */
  private static TaxClassServiceBlockingStub newStore() {
    return api.taxClasses(api.services().apiKeys().createTenant("Store " + UUID.randomUUID(), "CA").key());
  }

  private static TaxClass create(TaxClassServiceBlockingStub stub, String name, boolean isDefault) {
    return stub.createTaxClass(
        CreateTaxClassRequest.newBuilder().setTaxClass(TaxClass.newBuilder().setDisplayName(name).setIsDefault(isDefault)).build());
  }

  private static TaxClass create(String name) {
    return create(api.taxClasses(), name, false);
  }

  private static TaxClass get(TaxClassServiceBlockingStub stub, TaxClass taxClass) {
    return stub.getTaxClass(GetTaxClassRequest.newBuilder().setName(taxClass.getName()).build());
  }

  private static TaxClass makeDefault(TaxClassServiceBlockingStub stub, TaxClass taxClass) {
    return stub.updateTaxClass(
        UpdateTaxClassRequest.newBuilder()
            .setTaxClass(TaxClass.newBuilder().setName(taxClass.getName()).setIsDefault(true))
            .setUpdateMask(FieldMask.newBuilder().addPaths("is_default"))
            .build());
  }

  private static String unique(String name) {
    return name + " " + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void createThenGetReturnsTheSameTaxClass() {
    TaxClass created = create(api.taxClasses(), "  " + unique("Out of province") + " ", false);

    assertThat(created.getName()).matches("taxClasses/[0-9a-f-]{36}");
    assertThat(created.getDisplayName()).startsWith("Out of province").doesNotEndWith(" ");
    assertThat(created.getIsDefault()).isFalse();
    assertThat(created.hasCreateTime()).isTrue();
    assertThat(created.getEtag()).isNotEmpty();
    assertThat(get(api.taxClasses(), created)).isEqualTo(created);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "Line\nbreak"})
  void displayNameThatIsEmptyOrNotOneLineIsInvalid(String name) {
    StatusRuntimeException e = failure(() -> create(name));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("tax_class.display_name");
  }

  @Test
  void displayNameOver100CharactersIsInvalid() {
    create("n".repeat(100));
    assertThat(violations(failure(() -> create("m".repeat(101))))).containsOnlyKeys("tax_class.display_name");
  }

  @Test
  void nameTakenIgnoringCaseIsAlreadyExists() {
    String name = unique("Exempt");
    create(name);

    StatusRuntimeException e = failure(() -> create(name.toUpperCase()));

    assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(reason(e)).isEqualTo("ALREADY_EXISTS");
    assertThat(violations(e)).containsOnlyKeys("tax_class.display_name");
  }

  @Test
  void renamingToATakenNameIsAlreadyExists() {
    String taken = unique("Zero-rated");
    create(taken);
    TaxClass other = create(unique("Reduced"));

    StatusRuntimeException e =
        failure(() -> api.taxClasses().updateTaxClass(
            UpdateTaxClassRequest.newBuilder().setTaxClass(other.toBuilder().setDisplayName(" " + taken.toLowerCase())).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(get(api.taxClasses(), other)).isEqualTo(other);
  }

  @Test
  void unknownOrMalformedNameIsNotFoundOrInvalid() {
    StatusRuntimeException unknown =
        failure(() -> api.taxClasses().getTaxClass(GetTaxClassRequest.newBuilder().setName("taxClasses/" + UUID.randomUUID()).build()));
    assertThat(code(unknown)).isEqualTo(Status.Code.NOT_FOUND);

    StatusRuntimeException malformed =
        failure(() -> api.taxClasses().getTaxClass(GetTaxClassRequest.newBuilder().setName("Exempt").build()));
    assertThat(code(malformed)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(malformed)).containsOnlyKeys("name");
  }

  @Test
  void createWithSameRequestIdReturnsTheFirstTaxClass() {
    CreateTaxClassRequest request =
        CreateTaxClassRequest.newBuilder()
            .setTaxClass(TaxClass.newBuilder().setDisplayName(unique("Idempotent")))
            .setRequestId(Customers.requestId())
            .build();

    TaxClass first = api.taxClasses().createTaxClass(request);
    TaxClass retry = api.taxClasses().createTaxClass(request);

    assertThat(retry).isEqualTo(first);
  }

  // ---- update ----

  @Test
  void updateWithMaskRenamesAndChangesTheEtag() {
    TaxClass created = create(unique("Old name"));
    String newName = unique("New name");

    TaxClass updated =
        api.taxClasses().updateTaxClass(
            UpdateTaxClassRequest.newBuilder()
                .setTaxClass(created.toBuilder().setDisplayName(newName))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name"))
                .build());

    assertThat(updated.getDisplayName()).isEqualTo(newName);
    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());
    assertThat(updated.getCreateTime()).isEqualTo(created.getCreateTime());
  }

  @Test
  void updateWithStaleEtagIsAborted() {
    TaxClass created = create(unique("Etag"));
    api.taxClasses().updateTaxClass(
        UpdateTaxClassRequest.newBuilder().setTaxClass(created.toBuilder().setDisplayName(unique("Changed"))).build());

    StatusRuntimeException e =
        failure(() -> api.taxClasses().updateTaxClass(
            UpdateTaxClassRequest.newBuilder().setTaxClass(created.toBuilder().setDisplayName(unique("Stale"))).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
    assertThat(reason(e)).isEqualTo("ETAG_MISMATCH");
  }

  @ParameterizedTest
  @ValueSource(strings = {"name", "etag", "create_time", "colour"})
  void maskPathThatIsNotWritableIsInvalid(String path) {
    TaxClass created = create(unique("Mask"));
    StatusRuntimeException e =
        failure(() -> api.taxClasses().updateTaxClass(
            UpdateTaxClassRequest.newBuilder()
                .setTaxClass(created.toBuilder().setDisplayName(unique("x")))
                .setUpdateMask(FieldMask.newBuilder().addPaths(path))
                .build()));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("update_mask");
  }

  // ---- the default ----

  @Test
  void onlyOneTaxClassIsTheDefault() {
    TaxClassServiceBlockingStub store = newStore();
    TaxClass first = create(store, "Standard", true);
    TaxClass second = create(store, "Reduced", true);

    assertThat(get(store, first).getIsDefault()).isFalse();
    assertThat(get(store, second).getIsDefault()).isTrue();

    TaxClass third = makeDefault(store, create(store, "Exempt", false));
    assertThat(third.getIsDefault()).isTrue();
    assertThat(store.listTaxClasses(ListTaxClassesRequest.getDefaultInstance()).getTaxClassesList())
        .filteredOn(TaxClass::getIsDefault)
        .extracting(TaxClass::getName)
        .containsExactly(third.getName());
  }

  @Test
  void takingTheDefaultChangesThePreviousDefaultsEtag() {
    TaxClassServiceBlockingStub store = newStore();
    TaxClass previous = create(store, "Standard", true);

    makeDefault(store, create(store, "Reduced", false));

    assertThat(get(store, previous).getEtag()).isNotEqualTo(previous.getEtag());
  }

  @Test
  void concurrentDefaultsAllSucceedAndLeaveExactlyOneDefault() throws Exception {
    for (int round = 0; round < 5; round++) {
      TaxClassServiceBlockingStub store = newStore();
      int threads = 6;
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<TaxClass>> calls = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          String name = "Default " + i;
          calls.add(pool.submit(() -> {
            start.await();
            return create(store, name, true);
          }));
        }
        start.countDown();
        for (Future<TaxClass> call : calls) {
          assertThat(call.get(60, TimeUnit.SECONDS).getIsDefault()).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(store.listTaxClasses(ListTaxClassesRequest.getDefaultInstance()).getTaxClassesList())
          .hasSize(threads)
          .filteredOn(TaxClass::getIsDefault)
          .hasSize(1);
    }
  }

  @Test
  void theDefaultCannotBeUnsetDirectly() {
    TaxClassServiceBlockingStub store = newStore();
    TaxClass standard = create(store, "Standard", true);

    StatusRuntimeException e =
        failure(() -> store.updateTaxClass(
            UpdateTaxClassRequest.newBuilder()
                .setTaxClass(TaxClass.newBuilder().setName(standard.getName()).setIsDefault(false))
                .setUpdateMask(FieldMask.newBuilder().addPaths("is_default"))
                .build()));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(get(store, standard).getIsDefault()).isTrue();
  }

  @Test
  void theDefaultCannotBeDeleted() {
    TaxClassServiceBlockingStub store = newStore();
    TaxClass standard = create(store, "Standard", true);

    StatusRuntimeException e = failure(() -> store.deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(standard.getName()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(e)).isEqualTo("RESOURCE_IN_USE");
    assertThat(get(store, standard)).isEqualTo(standard);
  }

  // ---- delete ----

  @Test
  void unusedTaxClassIsDeleted() {
    TaxClass created = create(unique("Temporary"));

    api.taxClasses().deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()).build());

    StatusRuntimeException e = failure(() -> get(api.taxClasses(), created));
    assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
    StatusRuntimeException again =
        failure(() -> api.taxClasses().deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(created.getName()).build()));
    assertThat(code(again)).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void deleteWithStaleEtagIsAborted() {
    TaxClass created = create(unique("Stale delete"));
    api.taxClasses().updateTaxClass(
        UpdateTaxClassRequest.newBuilder().setTaxClass(created.toBuilder().setDisplayName(unique("Renamed"))).build());

    StatusRuntimeException e =
        failure(() -> api.taxClasses().deleteTaxClass(
            DeleteTaxClassRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.ABORTED);
  }

  @Test
  void taxClassOfACustomerCannotBeDeleted() {
    TaxClass used = create(unique("Used by a customer"));
    Customer customer = Customers.create(api.customers(), Customers.valid().setTaxClass(used.getName()));

    StatusRuntimeException e = failure(() -> api.taxClasses().deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(used.getName()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(e)).isEqualTo("RESOURCE_IN_USE");
    assertThat(e.getStatus().getDescription()).contains("1 customer");
    assertThat(Customers.get(api.customers(), customer.getName()).getTaxClass()).isEqualTo(used.getName());
  }

  @Test
  void taxClassOfACustomerTypeCannotBeDeleted() {
    TaxClass used = create(unique("Used by a type"));
    api.customerTypes().createCustomerType(
        CreateCustomerTypeRequest.newBuilder()
            .setCustomerType(CustomerType.newBuilder().setDisplayName(unique("Type")).setTaxClass(used.getName()))
            .build());

    StatusRuntimeException e = failure(() -> api.taxClasses().deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(used.getName()).build()));

    assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(reason(e)).isEqualTo("RESOURCE_IN_USE");
    assertThat(e.getStatus().getDescription()).contains("1 customer type");
  }

  @Test
  void taxClassFreedByItsCustomerCanBeDeleted() {
    TaxClass used = create(unique("Freed"));
    Customer customer = Customers.create(api.customers(), Customers.valid().setTaxClass(used.getName()));
    Customers.update(api.customers(), customer.getName(), Customer.newBuilder(), "tax_class");

    api.taxClasses().deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(used.getName()).build());

    assertThat(code(failure(() -> get(api.taxClasses(), used)))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void deleteWithSameRequestIdReturnsTheFirstAnswer() {
    TaxClass created = create(unique("Retried delete"));
    DeleteTaxClassRequest request =
        DeleteTaxClassRequest.newBuilder().setName(created.getName()).setEtag(created.getEtag()).setRequestId(Customers.requestId()).build();

    api.taxClasses().deleteTaxClass(request);
    api.taxClasses().deleteTaxClass(request);

    assertThat(code(failure(() -> get(api.taxClasses(), created)))).isEqualTo(Status.Code.NOT_FOUND);
    StatusRuntimeException underANewId =
        failure(() -> api.taxClasses().deleteTaxClass(request.toBuilder().setRequestId(Customers.requestId()).build()));
    assertThat(code(underANewId)).as("a new request id is a new delete").isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void deleteWithSameRequestIdAndAnotherBodyIsRequestIdReused() {
    String requestId = Customers.requestId();
    TaxClass deleted = create(unique("Deleted once"));
    TaxClass other = create(unique("Not deleted"));
    api.taxClasses().deleteTaxClass(DeleteTaxClassRequest.newBuilder().setName(deleted.getName()).setRequestId(requestId).build());

    StatusRuntimeException e =
        failure(() -> api.taxClasses().deleteTaxClass(
            DeleteTaxClassRequest.newBuilder().setName(other.getName()).setRequestId(requestId).build()));

    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(e)).isEqualTo("REQUEST_ID_REUSED");
    assertThat(violations(e)).containsOnlyKeys("request_id");
    assertThat(get(api.taxClasses(), other)).as("its deletion was rolled back").isEqualTo(other);
  }

  // ---- list ----

  @Test
  void listPagesThroughEveryTaxClassByNameWithoutDuplicates() {
    TaxClassServiceBlockingStub store = newStore();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      // Mixed case: the order ignores case.
      String name = (i % 2 == 0 ? "zone " : "Zone ") + (char) ('A' + 6 - i);
      create(store, name, false);
      names.add(name);
    }

    List<String> listed = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListTaxClassesResponse page = store.listTaxClasses(ListTaxClassesRequest.newBuilder().setPageSize(3).setPageToken(token).build());
      assertThat(page.getTaxClassesCount()).isLessThanOrEqualTo(3);
      page.getTaxClassesList().forEach(t -> listed.add(t.getDisplayName()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(pages).isEqualTo(3);
    assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(names);
    assertThat(listed).isSortedAccordingTo(String.CASE_INSENSITIVE_ORDER);
  }

  @Test
  void exactlyFullLastPageHasNoNextToken() {
    TaxClassServiceBlockingStub store = newStore();
    create(store, "One", false);
    create(store, "Two", false);

    ListTaxClassesResponse page = store.listTaxClasses(ListTaxClassesRequest.newBuilder().setPageSize(2).build());

    assertThat(page.getTaxClassesCount()).isEqualTo(2);
    assertThat(page.getNextPageToken()).isEmpty();
  }

  @Test
  void malformedPageTokenIsInvalid() {
    for (String token : List.of("garbage", "AAAA", "!!")) {
      StatusRuntimeException e =
          failure(() -> api.taxClasses().listTaxClasses(ListTaxClassesRequest.newBuilder().setPageToken(token).build()));
      assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(reason(e)).isEqualTo("INVALID_PAGE_TOKEN");
    }
  }

  @Test
  void negativePageSizeIsInvalid() {
    StatusRuntimeException e = failure(() -> api.taxClasses().listTaxClasses(ListTaxClassesRequest.newBuilder().setPageSize(-1).build()));
    assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violations(e)).containsOnlyKeys("page_size");
  }
}
