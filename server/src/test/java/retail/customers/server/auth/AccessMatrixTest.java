package retail.customers.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.db.Tables.CUSTOMER;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.jooq.Record2;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.server.testing.TestClock;
import retail.customers.v1.ApiKey;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.BatchGetCustomersRequest;
import retail.customers.v1.CreateApiKeyRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.CustomerServiceGrpc.CustomerServiceBlockingStub;
import retail.customers.v1.DeleteCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.MergeCustomersRequest;
import retail.customers.v1.RevokeApiKeyRequest;
import retail.customers.v1.SearchCustomersRequest;
import retail.customers.v1.UndeleteCustomerRequest;
import retail.customers.v1.UpdateCustomerRequest;

/**
 * Who may do what, tried at random over every RPC of the API: each call
 * with each kind of credential gets what the table says, and no call of one
 * store ever sees or writes a row of another (api_keys.proto, SPEC 4).
 */
class AccessMatrixTest {
  private static final TestClock CLOCK = new TestClock();
  private static final ApiServer api = new ApiServer(CLOCK);

  /** What a call presents. */
  enum Credential { NONE, NOT_A_KEY, UNKNOWN_KEY, REVOKED, EXPIRED, WITHOUT_ITS_SCOPE, OK }

  private static final Map<String, ServerMethodDefinition<?, ?>> METHODS = new java.util.TreeMap<>();
  private static final Map<Credential, String> SECRETS = new EnumMap<>(Credential.class);
  /** Per scope, a key of store A with every other scope. */
  private static final Map<String, String> WITHOUT = new java.util.HashMap<>();
  /** Each store's key with every scope, and customers, by store. */
  private static final List<String> STORE_KEYS = new ArrayList<>();
  private static final List<List<Customer>> STORE_CUSTOMERS = new ArrayList<>();

  @BeforeContainer
  static void start() throws Exception {
    api.beforeAll(null);
    for (ServerServiceDefinition service : api.services().definitions()) {
      service.getMethods().forEach(m -> METHODS.put(m.getMethodDescriptor().getFullMethodName(), m));
    }
    String admin = api.tenantA().key();
    SECRETS.put(Credential.NOT_A_KEY, "not a key");
    SECRETS.put(Credential.UNKNOWN_KEY, "ck_" + "A".repeat(43));
    SECRETS.put(Credential.OK, admin);
    String revoked = key(admin, "revoked", Scopes.ALL, null);
    keys(admin).revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(nameOf(revoked)).build());
    SECRETS.put(Credential.REVOKED, revoked);
    SECRETS.put(Credential.EXPIRED, key(admin, "expiring", Scopes.ALL, CLOCK.instant().plusSeconds(60)));
    for (String scope : Scopes.ALL) {
      WITHOUT.put(scope, key(admin, "without " + scope, Scopes.ALL.stream().filter(s -> !s.equals(scope)).toList(), null));
    }
    CLOCK.advance(Duration.ofSeconds(61)); // the expiring key has expired
    for (String store : List.of(api.tenantA().key(), api.tenantB().key())) {
      STORE_KEYS.add(store);
      List<Customer> customers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        customers.add(Customers.create(api.customers(store), Customers.valid().setNotes("isolation")));
      }
      STORE_CUSTOMERS.add(customers);
    }
  }

  @AfterContainer
  static void stop() throws Exception {
    api.afterAll(null);
  }

  private static final Map<String, String> NAMES = new java.util.HashMap<>();

  private static String nameOf(String secret) {
    return NAMES.get(secret);
  }

  private static ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys(String key) {
    return ApiKeyServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key));
  }

  private static String key(String admin, String displayName, List<String> scopes, java.time.Instant expiry) {
    ApiKey.Builder key = ApiKey.newBuilder().setDisplayName(displayName).addAllScopes(scopes);
    if (expiry != null) {
      key.setExpireTime(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond()));
    }
    var created = keys(admin).createApiKey(CreateApiKeyRequest.newBuilder().setApiKey(key).build());
    NAMES.put(created.getKey(), created.getApiKey().getName());
    return created.getKey();
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of(List.copyOf(METHODS.keySet()));
  }

  @Property(tries = 400)
  void everyRpcAnswersEachCredentialAsTheTableSays(@ForAll("methods") String method, @ForAll Credential credential) {
    String secret = credential == Credential.WITHOUT_ITS_SCOPE
        ? WITHOUT.get(Scopes.needed(method).orElseThrow())
        : SECRETS.get(credential);

    Status.Code code = call(METHODS.get(method), secret);

    switch (credential) {
      case NONE, NOT_A_KEY, UNKNOWN_KEY, REVOKED, EXPIRED -> assertThat(code).as(method).isEqualTo(Status.Code.UNAUTHENTICATED);
      case WITHOUT_ITS_SCOPE -> assertThat(code).as(method).isEqualTo(Status.Code.PERMISSION_DENIED);
      case OK -> assertThat(code).as(method).isNotIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED, Status.Code.INTERNAL,
          Status.Code.UNKNOWN);
    }
  }

  /**
   * Calls the method with its empty request: authentication and scopes are
   * checked before the request is read, and a passed check shows as any
   * answer of the method itself (an empty request is mostly invalid). A
   * stream that passes is cancelled at its first sign of life.
   */
  @SuppressWarnings("unchecked")
  private static Status.Code call(ServerMethodDefinition<?, ?> definition, String secret) {
    MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) definition.getMethodDescriptor();
    Message request = ((MethodDescriptor.PrototypeMarshaller<Message>) method.getRequestMarshaller()).getMessagePrototype();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    if (secret != null) {
      options = options.withCallCredentials(ApiServer.bearer(secret));
    }
    ClientCall<Message, Message> call = api.channel().newCall(method, options);
    CompletableFuture<Status.Code> outcome = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata headers) {
        outcome.complete(Status.Code.OK);
      }

      @Override
      public void onMessage(Message message) {
        outcome.complete(Status.Code.OK);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        outcome.complete(status.getCode());
      }
    }, new Metadata());
    call.request(1);
    if (method.getType() != MethodDescriptor.MethodType.CLIENT_STREAMING || secret == null) {
      call.sendMessage(request);
    }
    call.halfClose();
    try {
      return outcome.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(method.getFullMethodName() + " gave no answer", e);
    } finally {
      call.cancel("answered", null);
    }
  }

  /** What one store's call does to another store's customer. */
  enum Trespass { GET, BATCH_GET, SEARCH, UPDATE, ARCHIVE, RESTORE, ERASE, MERGE_INTO_OWN }

  @Property(tries = 200)
  void noCallOfOneStoreSeesOrWritesAnotherStoresCustomer(
      @ForAll("stores") int caller, @ForAll Trespass trespass, @ForAll("customerIndexes") int target) {
    int victim = 1 - caller;
    Customer theirs = STORE_CUSTOMERS.get(victim).get(target);
    Customer ours = STORE_CUSTOMERS.get(caller).get(target);
    CustomerServiceBlockingStub stub = api.customers(STORE_KEYS.get(caller));
    Record2<Long, java.time.OffsetDateTime> before = versionOf(theirs);

    Status.Code code;
    try {
      Message answer = switch (trespass) {
        case GET -> stub.getCustomer(GetCustomerRequest.newBuilder().setName(theirs.getName()).build());
        case BATCH_GET -> stub.batchGetCustomers(BatchGetCustomersRequest.newBuilder().addNames(theirs.getName()).build());
        case SEARCH -> stub.searchCustomers(SearchCustomersRequest.newBuilder().setQuery(theirs.getEmail()).build());
        case UPDATE -> stub.updateCustomer(UpdateCustomerRequest.newBuilder()
            .setCustomer(Customer.newBuilder().setName(theirs.getName()).setNotes("taken over"))
            .setUpdateMask(Customers.mask("notes")).build());
        case ARCHIVE -> stub.deleteCustomer(DeleteCustomerRequest.newBuilder().setName(theirs.getName()).build());
        case RESTORE -> stub.undeleteCustomer(UndeleteCustomerRequest.newBuilder().setName(theirs.getName()).build());
        case ERASE -> stub.eraseCustomer(EraseCustomerRequest.newBuilder().setName(theirs.getName()).setReason("x").build());
        case MERGE_INTO_OWN -> stub.mergeCustomers(MergeCustomersRequest.newBuilder()
            .setSurvivor(ours.getName()).setMerged(theirs.getName()).build());
      };
      if (answer instanceof retail.customers.v1.BatchGetCustomersResponse batch) {
        assertThat(batch.getResults(0).hasCustomer()).as("their customer in a batch").isFalse();
        assertThat(Status.fromCodeValue(batch.getResults(0).getError().getCode()).getCode()).isEqualTo(Status.Code.NOT_FOUND);
      } else {
        assertThat(answer.toString()).as("an answer naming their customer").doesNotContain(idOf(theirs));
      }
      code = Status.Code.OK;
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
    }

    if (trespass == Trespass.SEARCH || trespass == Trespass.BATCH_GET) {
      assertThat(code).isIn(Status.Code.OK);
    } else {
      assertThat(code).as(trespass.name()).isEqualTo(Status.Code.NOT_FOUND);
    }
    assertThat(versionOf(theirs)).as("their row, untouched").isEqualTo(before);
  }

  @Provide
  Arbitrary<Integer> stores() {
    return Arbitraries.of(0, 1);
  }

  @Provide
  Arbitrary<Integer> customerIndexes() {
    return Arbitraries.integers().between(0, 3);
  }

  private static String idOf(Customer customer) {
    return customer.getName().substring(customer.getName().indexOf('/') + 1);
  }

  private static Record2<Long, java.time.OffsetDateTime> versionOf(Customer customer) {
    return api.database().dsl().select(CUSTOMER.VERSION, CUSTOMER.UPDATE_TIME).from(CUSTOMER)
        .where(CUSTOMER.ID.eq(UUID.fromString(idOf(customer)))).fetchSingle();
  }
}
