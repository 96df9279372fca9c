package retail.customers.cli;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * A live progress line on a terminal (rows, rows per second, and the time
 * left when the total is known), redrawn in place at most ten times a
 * second; on anything else (a pipe, a log) a plain line every few seconds.
 */
final class Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final long PLAIN_NANOS = 5_000_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final String unit;
  private final LongSupplier nanoTime;
  private final long started;
  private long drawn;

  Progress(PrintWriter err, boolean terminal, String unit, LongSupplier nanoTime) {
    this.err = err;
    this.terminal = terminal;
    this.unit = unit;
    this.nanoTime = nanoTime;
    this.started = nanoTime.getAsLong();
    this.drawn = started;
  }

  /**
   * Whether standard input and output are a terminal, where the line may be
   * redrawn in place. Before JDK 22 a console meant a terminal; JDK 22 to 24
   * give a console to redirected streams too (JDK-8308591), and say whether
   * it is a terminal only by {@code Console.isTerminal()}, new in 22 and
   * called by reflection since the command line runs on Java 17 as well.
   */
  static boolean onATerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** Progress so far; {@code total} is 0 when unknown. */
  void update(long done, long total) {
    long now = nanoTime.getAsLong();
    if (now - drawn < (terminal ? REDRAW_NANOS : PLAIN_NANOS)) {
      return;
    }
    drawn = now;
    String line = line(done, total, now);
    if (terminal) {
      err.print("\r" + line + "   ");
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** The last line, and the end of the live one. */
  void finish(long done, long total) {
    String line = line(done, total, nanoTime.getAsLong());
    err.println(terminal ? "\r" + line + "   " : line);
    err.flush();
  }

  String line(long done, long total, long now) {
    double seconds = Math.max(1e-9, (now - started) / 1e9);
    double rate = done / seconds;
    StringBuilder text = new StringBuilder();
    if (total > 0) {
      int width = 30;
      int filled = (int) Math.min(width, width * done / total);
      text.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
      text.append(String.format("%,d / %,d %s", done, total, unit));
    } else {
      text.append(String.format("%,d %s", done, unit));
    }
    text.append(String.format(", %,.0f %s/s", rate, unit));
    if (total > 0 && rate > 0 && done < total) {
      long left = (long) ((total - done) / rate);
      text.append(String.format(", %d:%02d left", left / 60, left % 60));
    }
    return text.toString();
  }
}
