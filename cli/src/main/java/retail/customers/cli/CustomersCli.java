package retail.customers.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import retail.customers.client.CustomersException;

/**
 * The {@code customers} command: what store staff and support do with the
 * API from a terminal or a script.
 *
 * <p>Exit codes, one per kind of failure, so that scripts can tell them
 * apart: 0 done; 1 any other failure; 2 bad usage (an unknown option, a
 * missing argument); 3 not found; 4 invalid input (the message names each
 * field at fault); 5 conflict (changed since read, a unique value taken,
 * the customer's state forbids it); 6 not allowed (no key, a bad key, a
 * scope missing); 7 the service unavailable or a limit reached.
 */
@Command(name = "customers", mixinStandardHelpOptions = true, version = "customers 0.1.0", scope = CommandLine.ScopeType.INHERIT,
    description = "Customer accounts from the command line. The API key and target come from --key and --target, or"
        + " CUSTOMERS_API_KEY and CUSTOMERS_TARGET.",
    subcommands = {
        SearchCommand.class, GetCommand.class, CreateCommand.class, UpdateCommand.class, LifecycleCommands.Archive.class,
        LifecycleCommands.Restore.class, LifecycleCommands.Erase.class, ExportCommand.class, ImportCommand.class,
        TypesCommand.class, TaxClassesCommand.class, FieldsCommand.class,
        TagsCommand.class, KeysCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done", "1:any other failure", "2:bad usage", "3:not found", "4:invalid input (each field named)",
        "5:conflict (changed since read, value taken, state forbids it)", "6:not allowed (key missing, bad, or without the scope)",
        "7:service unavailable or limit reached"})
public final class CustomersCli {
  static final int NOT_FOUND = 3;
  static final int INVALID = 4;
  static final int CONFLICT = 5;
  static final int NOT_ALLOWED = 6;
  static final int UNAVAILABLE = 7;

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line; the environment gives defaults (tests give their own). */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine command = new CommandLine(new CustomersCli(), new Factory(env));
    command.setOut(out);
    command.setErr(err);
    command.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CustomersException failure) {
        err.println(Output.describe(failure));
        return exitCode(failure);
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        err.println("customers: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    int code = command.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  static int exitCode(CustomersException failure) {
    if (failure instanceof CustomersException.NotFoundException) {
      return NOT_FOUND;
    } else if (failure instanceof CustomersException.InvalidArgumentException) {
      return INVALID;
    } else if (failure instanceof CustomersException.ConflictException || failure instanceof CustomersException.FailedPreconditionException) {
      return CONFLICT;
    } else if (failure instanceof CustomersException.UnauthenticatedException || failure instanceof CustomersException.PermissionDeniedException) {
      return NOT_ALLOWED;
    } else if (failure instanceof CustomersException.UnavailableException || failure instanceof CustomersException.ResourceExhaustedException) {
      return UNAVAILABLE;
    }
    return 1;
  }

  /** Gives every command the environment to read its defaults from. */
  private record Factory(Map<String, String> env) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      K created = CommandLine.defaultFactory().create(type);
      if (created instanceof Connection connection) {
        connection.environment(env);
      }
      return created;
    }
  }
}
