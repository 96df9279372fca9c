package retail.customers.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Help is asked for with --help at any depth, and ends with the exit codes; no server is needed. */
class HelpTest {
  @Test
  void everyCommandAndSubcommandTakesHelpAndListsTheExitCodes() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = CustomersCli.run(new String[] {"types", "delete", "--help"}, Map.of(), new PrintWriter(out), new PrintWriter(err));

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("Usage: customers types delete").contains("--reassign-to", "--detach", "Exit codes:",
        "5   conflict");
  }
}
