package retail.customers.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceNamesTest {
  @Test
  void nameOfTheCollectionGivesItsUuidInAnyCase() {
    UUID id = UUID.randomUUID();
    assertThat(ResourceNames.tryParseUuid("customers/" + id, "customers")).isEqualTo(id);
    assertThat(ResourceNames.tryParseUuid("customers/" + id.toString().toUpperCase(), "customers")).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "customers", "customers/", "customers/1-1-1-1-1", "customers/not-a-uuid",
      "taxClasses/0193a0d2-6c4e-7c1a-9d2e-3f4a5b6c7d8e", "customers/0193a0d2-6c4e-7c1a-9d2e-3f4a5b6c7d8e/x"})
  void anythingElseIsNotANameOfTheCollection(String name) {
    assertThat(ResourceNames.tryParseUuid(name, "customers")).isNull();
    ApiException e = catchThrowableOfType(ApiException.class, () -> ResourceNames.parseUuid(name, "customers", "name"));
    assertThat(e.violations()).extracting(v -> v.getField()).containsExactly("name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"customFields/", "customFields/a/b", "shoe_size", "customers/shoe_size"})
  void idNameMustBeCollectionSlashOneSegment(String name) {
    ApiException e = catchThrowableOfType(ApiException.class, () -> ResourceNames.parseId(name, "customFields", "name"));
    assertThat(e.violations()).extracting(v -> v.getField()).containsExactly("name");
  }
}
