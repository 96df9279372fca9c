package retail.customers.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.CsvLanguage;
import retail.customers.v1.CustomerFilter;
import retail.customers.v1.ExportCustomersRequest;

/** {@code customers export [query] [--tag ...] --out file.csv [--lang fr]}. */
@Command(name = "export", description = "Write the customers a search finds to a CSV file (the back office's 30 columns).")
final class ExportCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", description = "words to match; none: every customer") String query = "";
  @Option(names = "--tag", description = "only customers with this tag (repeat: all of them)") List<String> tags = new ArrayList<>();
  @Option(names = "--not-tag", description = "no customer with this tag") List<String> notTags = new ArrayList<>();
  @Option(names = "--out", required = true, description = "the CSV file to write (written whole or not at all)") Path out;
  @Option(names = "--lang", defaultValue = "en", description = "column headings and yes/no: en or fr (default ${DEFAULT-VALUE})") String lang;
  @Option(names = "--bom", description = "start with a byte-order mark (for spreadsheets)") boolean bom;

  /** Whether progress may be drawn in place (a terminal); tests say. */
  boolean terminal = Progress.onATerminal();

  @Override
  public Integer call() {
    CsvLanguage language = switch (lang) {
      case "en" -> CsvLanguage.CSV_LANGUAGE_ENGLISH;
      case "fr" -> CsvLanguage.CSV_LANGUAGE_FRENCH;
      default -> throw new IllegalArgumentException("--lang " + lang + ": en or fr");
    };
    ExportCustomersRequest request = ExportCustomersRequest.newBuilder()
        .setQuery(query)
        .setFilter(CustomerFilter.newBuilder().addAllTagsAll(tags).addAllTagsNone(notTags))
        .setLanguage(language)
        .setByteOrderMark(bom)
        .build();
    Progress progress = new Progress(spec.commandLine().getErr(), terminal, "rows", System::nanoTime);
    try (CustomersClient client = connection.client()) {
      CustomersClient.ExportResult result = client.exportCustomers(request, out, (rows, bytes) -> progress.update(rows, 0));
      progress.finish(result.rows(), 0);
      connection.output(spec.commandLine().getOut()).note(String.format("exported %,d customers to %s%s", result.rows(), out,
          result.resumes() > 0 ? " (resumed " + result.resumes() + " times)" : ""));
    }
    return 0;
  }
}
