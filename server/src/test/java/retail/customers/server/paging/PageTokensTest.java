package retail.customers.server.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import retail.customers.server.auth.Caller;
import retail.customers.server.grpc.ApiException;
import retail.customers.v1.ErrorReason;
import retail.customers.v1.ListCustomerTypesRequest;
import retail.customers.v1.ListTaxClassesRequest;

class PageTokensTest {
  private static final Caller STORE = new Caller(UUID.randomUUID(), "CA", UUID.randomUUID());
  private static final ListTaxClassesRequest REQUEST = ListTaxClassesRequest.newBuilder().setPageSize(10).build();

  private static ApiException refused(Runnable decode) {
    ApiException e = catchThrowableOfType(ApiException.class, decode::run);
    assertThat(e).as("the token should have been refused").isNotNull();
    assertThat(e.reason()).isEqualTo(ErrorReason.INVALID_PAGE_TOKEN);
    return e;
  }

  @Test
  void tokenGivesBackTheSortKeyIncludingNulls() {
    List<String> key = Arrays.asList("Zone A", null, "0193a0d2-6c4e-7c1a-9d2e-3f4a5b6c7d8e");
    String token = PageTokens.encode(STORE, REQUEST, key);

    assertThat(PageTokens.decode(STORE, REQUEST.toBuilder().setPageToken(token).build(), token, 3)).isEqualTo(key);
  }

  @Test
  void pageSizeMayChangeBetweenPages() {
    String token = PageTokens.encode(STORE, REQUEST, List.of("a"));
    assertThat(PageTokens.decode(STORE, REQUEST.toBuilder().setPageSize(99).build(), token, 1)).containsExactly("a");
  }

  @Test
  void tokenOfAnotherStoreIsRefused() {
    String token = PageTokens.encode(STORE, REQUEST, List.of("a"));
    Caller other = new Caller(UUID.randomUUID(), "CA", STORE.apiKeyId());
    refused(() -> PageTokens.decode(other, REQUEST, token, 1));
  }

  @Test
  void tokenOfAnotherListIsRefused() {
    String token = PageTokens.encode(STORE, ListCustomerTypesRequest.newBuilder().setPageSize(10).build(), List.of("a"));
    refused(() -> PageTokens.decode(STORE, REQUEST, token, 1));
  }

  @Test
  void tokenWithAnotherKeySizeIsRefused() {
    String token = PageTokens.encode(STORE, REQUEST, List.of("a", "b"));
    refused(() -> PageTokens.decode(STORE, REQUEST, token, 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"garbage!", "AAAA", "cDE", "=="})
  void tokenThatIsNotOursIsRefused(String token) {
    refused(() -> PageTokens.decode(STORE, REQUEST, token, 1));
  }

  @Test
  void pageSizeDefaultsCapsAndRefusesNegatives() {
    assertThat(PageTokens.pageSize(0, 50, 1000)).isEqualTo(50);
    assertThat(PageTokens.pageSize(7, 50, 1000)).isEqualTo(7);
    assertThat(PageTokens.pageSize(5000, 50, 1000)).isEqualTo(1000);
    ApiException e = catchThrowableOfType(ApiException.class, () -> PageTokens.pageSize(-1, 50, 1000));
    assertThat(e.violations()).extracting(v -> v.getField()).containsExactly("page_size");
  }
}
