package retail.customers.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import retail.customers.server.testing.ApiServer;
import retail.customers.server.testing.Customers;
import retail.customers.v1.CreateCustomerRequest;
import retail.customers.v1.Customer;
import retail.customers.v1.EnsureCustomerRequest;
import retail.customers.v1.EraseCustomerRequest;
import retail.customers.v1.GetCustomerRequest;
import retail.customers.v1.SearchCustomersRequest;

/**
 * The call log: one JSON line per call with its method, status, duration,
 * tenant and request id, and never a customer's personal data, whatever the
 * calls and their failures were.
 */
class CallLogTest {
  @RegisterExtension static final ApiServer api = new ApiServer();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private OutputStreamAppender<ILoggingEvent> appender;

  @BeforeEach
  void capture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.start();
    appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(captured);
    appender.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    context.getLogger("retail.customers.calls").setLevel(Level.INFO);
  }

  @AfterEach
  void release() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    context.getLogger("retail.customers.calls").setLevel(Level.WARN);
  }

  private String log() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyCallIsOneJsonLineWithNoPersonalData() {
    String requestId = UUID.randomUUID().toString();
    Customer created = api.customers().createCustomer(CreateCustomerRequest.newBuilder().setRequestId(requestId)
        .setCustomer(Customer.newBuilder().setFirstName("Zebulon").setLastName("Quillfeather")
            .setEmail("zebulon.quillfeather@example.com").setMobilePhone("+1 514 555 0199").setNotes("Prefers Xylophones"))
        .build());
    api.customers().getCustomer(GetCustomerRequest.newBuilder().setName(created.getName()).build());
    api.customers().searchCustomers(SearchCustomersRequest.newBuilder().setQuery("Quillfeather").build());
    catchThrowable(() -> Customers.create(api.customers(), Customers.minimal().setEmail("zebulon-at-nowhere")));
    catchThrowable(() -> Customers.create(api.customers(), Customers.minimal().setMobilePhone("Quillphone 42")));
    catchThrowable(() -> api.customers().createCustomer(CreateCustomerRequest.newBuilder().setRequestId("not-a-uuid-Quillfeather")
        .setCustomer(Customers.minimal()).build()));
    String reference = "order-Quillfeather-" + UUID.randomUUID();
    api.customers().ensureCustomer(EnsureCustomerRequest.newBuilder()
        .setCustomer(Customers.minimal().setExternalReference(reference).setEmail("zq@example.com")).build());
    catchThrowable(() -> Customers.create(api.customers(), Customers.minimal().setExternalReference(reference)));
    api.customers().eraseCustomer(EraseCustomerRequest.newBuilder().setName(created.getName()).setReason("Zebulon asked").build());

    String log = log();
    for (String personal : List.of("Zebulon", "zebulon", "Quillfeather", "quillfeather", "5550199", "555 0199", "Xylophones",
        "zq@example.com", "Quillphone")) {
      assertThat(log).as("the log holds no personal data").doesNotContain(personal);
    }
    List<String> calls = log.lines().filter(line -> line.contains("retail.customers.calls")).toList();
    assertThat(calls).hasSizeGreaterThanOrEqualTo(9);
    assertThat(calls).allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
    String create = calls.getFirst();
    assertThat(create).contains("\"method\"", "retail.customers.v1.CustomerService\\/CreateCustomer", "\"status\"", "\"OK\"",
        "\"duration_ms\"", api.tenantA().tenantId().toString(), requestId);
    assertThat(calls).anySatisfy(line -> assertThat(line).contains("INVALID_ARGUMENT", "INVALID_FIELDS"));
    assertThat(calls).anySatisfy(line -> assertThat(line).contains("\"invalid\""));
  }
}
