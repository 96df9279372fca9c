package retail.customers.server.ops;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A failure as the logs may hold it: the classes of its causes, their
 * SQLStates and where they were thrown, but none of their messages. A
 * database's message quotes the values it refused ("Key (email)=(...)
 * already exists"), and the logs must never hold personal data.
 */
public final class Failures {
  private static final int FRAMES = 12;

  private Failures() {}

  /** One line per cause, outermost first, each with its first frames. */
  public static String describe(Throwable failure) {
    List<String> lines = new ArrayList<>();
    for (Throwable t = failure; t != null && lines.size() < 10; t = t.getCause() == t ? null : t.getCause()) {
      StringBuilder line = new StringBuilder(t.getClass().getName());
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        line.append(" [SQLState ").append(sql.getSQLState()).append(']');
      }
      StackTraceElement[] frames = t.getStackTrace();
      for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
        line.append(i == 0 ? " at " : " < ").append(frames[i]);
      }
      lines.add(line.toString());
    }
    return String.join(" | caused by ", lines);
  }
}
