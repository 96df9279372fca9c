package retail.customers.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static retail.customers.server.testing.Errors.code;
import static retail.customers.server.testing.Errors.failure;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import retail.customers.server.auth.Scopes;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.ApiKey;
import retail.customers.v1.ApiKeyServiceGrpc;
import retail.customers.v1.AuditEvent;
import retail.customers.v1.AuditServiceGrpc;
import retail.customers.v1.CreateApiKeyRequest;
import retail.customers.v1.CreateApiKeyResponse;
import retail.customers.v1.Customer;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.ListAuditEventsRequest;
import retail.customers.v1.ListAuditEventsResponse;
import retail.customers.v1.MergeCustomersRequest;
import retail.customers.v1.RevokeApiKeyRequest;

/** The audit trail as a store's admin reads it: what was done, by which key, newest first. */
class AuditServiceTest {
  @RegisterExtension static final ApiServer api = new ApiServer();

  private static AuditServiceGrpc.AuditServiceBlockingStub audit(String key) {
    return AuditServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(key));
  }

  private static List<AuditEvent> all(String key, ListAuditEventsRequest.Builder request) {
    List<AuditEvent> events = new ArrayList<>();
    String token = "";
    do {
      ListAuditEventsResponse page = audit(key).listAuditEvents(request.setPageSize(2).setPageToken(token).build());
      events.addAll(page.getAuditEventsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return events;
  }

  @Test
  void erasuresMergesAndKeyChangesAreListedNewestFirstWithTheirKey() {
    String admin = api.tenantA().key();
    Customer erased = Customers.create(api.customers(), Customers.valid());
    Customer survivor = Customers.create(api.customers(), Customers.valid());
    Customer merged = Customers.create(api.customers(), Customers.valid());
    api.customers().eraseCustomer(EraseCustomerRequest.newBuilder().setName(erased.getName()).setReason("asked").build());
    api.customers().mergeCustomers(MergeCustomersRequest.newBuilder().setSurvivor(survivor.getName()).setMerged(merged.getName()).build());
    ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys =
        ApiKeyServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(admin));
    CreateApiKeyResponse key = keys.createApiKey(CreateApiKeyRequest.newBuilder()
        .setApiKey(ApiKey.newBuilder().setDisplayName("Till").addScopes(Scopes.READ)).build());
    keys.revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(key.getApiKey().getName()).build());

    List<AuditEvent> events = all(admin, ListAuditEventsRequest.newBuilder());

    assertThat(events).extracting(AuditEvent::getAction)
        .containsSubsequence("API_KEY_REVOKED", "API_KEY_CREATED", "CUSTOMERS_MERGED", "CUSTOMER_ERASED");
    assertThat(events).extracting(AuditEvent::getName).doesNotHaveDuplicates();
    assertThat(events).extracting(e -> e.getEventTime().getSeconds()).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    AuditEvent erasure = events.stream().filter(e -> e.getAction().equals("CUSTOMER_ERASED")).findFirst().orElseThrow();
    assertThat(erasure.getResource()).isEqualTo(erased.getName());
    assertThat(erasure.getApiKey()).isEqualTo("apiKeys/" + api.tenantA().keyId());
    assertThat(erasure.getDetailsMap()).containsEntry("reason", "asked");
    assertThat(erasure.toString()).doesNotContain(erased.getFirstName(), erased.getEmail());
    assertThat(all(admin, ListAuditEventsRequest.newBuilder().setAction("CUSTOMERS_MERGED")))
        .singleElement().satisfies(e -> assertThat(e.getDetailsMap()).containsEntry("merged", merged.getName()));
    assertThat(all(api.tenantB().key(), ListAuditEventsRequest.newBuilder())).as("another store's trail").isEmpty();
  }

  @Test
  void onlyAdminKeysReadTheTrailAndAnUnknownActionIsInvalid() {
    String reader = ApiKeyServiceGrpc.newBlockingStub(api.channel()).withCallCredentials(ApiServer.bearer(api.tenantA().key()))
        .createApiKey(CreateApiKeyRequest.newBuilder().setApiKey(ApiKey.newBuilder().setDisplayName("R").addScopes(Scopes.READ)).build())
        .getKey();

    assertThat(code(failure(() -> audit(reader).listAuditEvents(ListAuditEventsRequest.getDefaultInstance()))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(failure(() -> audit(api.tenantA().key()).listAuditEvents(ListAuditEventsRequest.newBuilder().setAction("DROPPED").build()))))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }
}
