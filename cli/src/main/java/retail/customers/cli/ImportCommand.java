package retail.customers.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import retail.customers.client.CustomersClient;
import retail.customers.v1.ImportCustomersResponse;
import retail.customers.v1.ImportError;

/** {@code customers import file.csv [--dry-run]}. */
@Command(name = "import", description = "Import customers from a CSV file (the export's columns, English or French headings).")
final class ImportCommand implements Callable<Integer> {
  @Mixin Connection connection;
  @Spec CommandSpec spec;

  @Parameters(description = "the CSV file") Path file;
  @Option(names = "--dry-run", description = "check every row and report, store nothing") boolean dryRun;

  boolean terminal = Progress.onATerminal();

  @Override
  public Integer call() {
    Progress progress = new Progress(spec.commandLine().getErr(), terminal, "bytes", System::nanoTime);
    ImportCustomersResponse result;
    try (CustomersClient client = connection.client()) {
      result = client.importCustomers(file, dryRun, progress::update);
    }
    progress.finish(result.getRowsRead() > 0 ? fileSize() : 0, fileSize());
    Output output = connection.output(spec.commandLine().getOut());
    if (connection.json) {
      output.record(result);
    } else {
      output.note(String.format("%s%,d rows read, %,d imported, %,d already imported, %,d rejected",
          dryRun ? "dry run: " : "", result.getRowsRead(), result.getRowsImported(), result.getRowsAlreadyImported(),
          result.getRowsRejected()));
      for (ImportError error : result.getErrorsList()) {
        output.note(String.format("  line %d, %s: %s", error.getLine(), error.getColumn().isEmpty() ? "row" : error.getColumn(),
            error.getReason()));
      }
      if (!result.getUnknownColumnsList().isEmpty()) {
        output.note("  columns ignored: " + String.join(", ", result.getUnknownColumnsList()));
      }
    }
    return result.getRowsRejected() > 0 ? CustomersCli.INVALID : 0;
  }

  private long fileSize() {
    try {
      return java.nio.file.Files.size(file);
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
