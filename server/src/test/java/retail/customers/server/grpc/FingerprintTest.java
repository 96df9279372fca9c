package retail.customers.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import retail.customers.v1.CustomFieldValue;
import retail.customers.v1.Customer;

/** The request hash behind request_id: a retry must hash the same, another request differently. */
class FingerprintTest {
  private static CustomFieldValue text(String value) {
    return CustomFieldValue.newBuilder().setTextValue(value).build();
  }

  @Test
  void mapEntriesInAnyOrderHashTheSame() {
    Customer oneOrder = Customer.newBuilder().putCustomFields("a", text("1")).putCustomFields("b", text("2")).build();
    Customer otherOrder = Customer.newBuilder().putCustomFields("b", text("2")).putCustomFields("a", text("1")).build();

    assertThat(Fingerprint.of(otherOrder, "m")).isEqualTo(Fingerprint.of(oneOrder, "m"));
  }

  @Test
  void anyDifferenceInTheMessageOrTheSaltChangesTheHash() {
    Customer customer = Customer.newBuilder().setFirstName("Betty").build();

    assertThat(Fingerprint.of(customer.toBuilder().setFirstName("Bettina").build(), "m")).isNotEqualTo(Fingerprint.of(customer, "m"));
    assertThat(Fingerprint.of(customer, "other")).isNotEqualTo(Fingerprint.of(customer, "m"));
  }

  @Test
  void saltsAreSeparatedSoTheirBoundariesCount() {
    Customer customer = Customer.getDefaultInstance();
    assertThat(Fingerprint.of(customer, "ab", "c")).isNotEqualTo(Fingerprint.of(customer, "a", "bc"));
  }
}
