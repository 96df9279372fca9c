package retail.customers.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import retail.customers.v1.Customer;
import retail.customers.v1.ExportCustomersRequest;

/** The README's SDK example, compiled here, is the one the README shows. */
class ReadmeExampleTest {
  /** The README's example, between the markers, as it is printed there. */
  @SuppressWarnings("unused")
  static void example(String key) {
    // README example start
    try (CustomersClient customers = CustomersClient.builder("localhost:50051").apiKey(key).usePlaintext().build()) {
      Customer betty = customers.createCustomer(Customer.newBuilder().setFirstName("Betty").setLastName("Smith").build());
      betty = customers.updateCustomer(betty.toBuilder().setEmail("betty@example.com").build(), "email");
      for (Customer smith : customers.searchCustomers("smith")) {
        System.out.println(smith.getName() + " " + smith.getFirstName());
      }
      customers.exportCustomers(ExportCustomersRequest.getDefaultInstance(), Path.of("customers.csv"),
          (rows, bytes) -> System.out.println(rows + " rows"));
    } catch (CustomersException.InvalidArgumentException e) {
      e.violations().forEach(v -> System.out.println(v.field() + ": " + v.description()));
    }
    // README example end
  }

  @Test
  void theReadmeShowsTheCompiledExample() throws IOException {
    List<String> source = Files.readAllLines(Path.of("src/test/java/retail/customers/client/ReadmeExampleTest.java"), StandardCharsets.UTF_8);
    int start = source.indexOf("    // README example start");
    int end = source.indexOf("    // README example end");
    String example = source.subList(start + 1, end).stream().map(line -> line.substring(Math.min(4, line.length())))
        .collect(Collectors.joining("\n"));

    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);

    assertThat(readme).contains("```java\n" + example + "\n```");
  }
}
