package retail.customers.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;
import static retail.customers.server.testing.Errors.reason;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.CustomFieldServiceGrpc;
import retail.customers.v1.CustomerServiceGrpc;
import retail.customers.v1.CustomerTypeServiceGrpc;
import retail.customers.v1.ListCustomFieldsRequest;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListTaxClassesRequest;
import retail.customers.v1.TaxClassServiceGrpc;

/** Every API call needs {@code authorization: Bearer <key>}; the health service needs none. */
class AuthenticationTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  /** Call credentials sending exactly {@code value} as the authorization header. */
  private static CallCredentials authorization(String value) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
        applier.apply(headers);
      }
    };
  }

  /** One call of each service, made with {@code credentials} (null: none). */
  private static List<Executable> oneCallOfEachService(CallCredentials credentials) {
    var customers = CustomerServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(credentials);
    var types = CustomerTypeServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(credentials);
    var taxClasses = TaxClassServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(credentials);
    var fields = CustomFieldServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(credentials);
    return List.of(
        () -> customers.createCustomer(CreateCustomerRequest.newBuilder().setCustomer(Customers.valid()).build()),
        () -> types.listCustomerTypes(ListCustomerTypesRequest.getDefaultInstance()),
        () -> taxClasses.listTaxClasses(ListTaxClassesRequest.getDefaultInstance()),
        () -> fields.listCustomFields(ListCustomFieldsRequest.getDefaultInstance()));
  }

  private static void assertEveryServiceRefuses(CallCredentials credentials, String expectedReason) {
    for (Executable call : oneCallOfEachService(credentials)) {
      StatusRuntimeException e = failure(call::execute);
      assertThat(code(e)).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(reason(e)).isEqualTo(expectedReason);
    }
  }

  @Test
  void callWithoutAuthorizationIsMissingCredentials() {
    int before = Customers.rows(api, api.tenantA().tenantId());
    assertEveryServiceRefuses(null, "MISSING_CREDENTIALS");
    assertThat(Customers.rows(api, api.tenantA().tenantId())).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Basic dXNlcjpwYXNz", "Bearer", "Token ck_abc"})
  void authorizationThatIsNotABearerKeyIsMissingCredentials(String header) {
    assertEveryServiceRefuses(authorization(header), "MISSING_CREDENTIALS");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ck_unknownunknownunknownunknownunknownunknown", "not-even-our-format", "ck_"})
  void unknownKeyIsInvalidCredentials(String key) {
    assertEveryServiceRefuses(ApiServer.bearer(key), "INVALID_CREDENTIALS");
  }

  @Test
  void keyOfOneStoreWithAnExtraCharacterIsInvalidCredentials() {
    assertEveryServiceRefuses(ApiServer.bearer(api.tenantA().key() + "x"), "INVALID_CREDENTIALS");
  }

  @Test
  void bearerSchemeIsCaseInsensitiveAndSpacesAroundTheKeyAreIgnored() {
    var customers =
        CustomerServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(authorization("bearer  " + api.tenantA().key() + " "));
    assertThat(customers.createCustomer(CreateCustomerRequest.newBuilder().setCustomer(Customers.valid()).build()).getName())
        .startsWith("customers/");
  }

  @Test
  void secondKeyOfAStoreSeesTheSameData() {
    ApiKeys.MintedKey second = api.services().apiKeys().mintKey(api.tenantA().tenantId(), "register 2");
    var created = Customers.create(api.customers(), Customers.valid());
    assertThat(Customers.get(api.customers(second.key()), created.getName())).isEqualTo(created);
  }

  @Test
  void healthServiceAnswersWithoutAKey() {
    HealthCheckResponse all = HealthGrpc.newBlockingStub(api.channel()).check(HealthCheckRequest.getDefaultInstance());
    assertThat(all.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    HealthCheckResponse customers =
        HealthGrpc.newBlockingStub(api.channel())
            .check(HealthCheckRequest.newBuilder().setService(CustomerServiceGrpc.SERVICE_NAME).build());
    assertThat(customers.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }
}
