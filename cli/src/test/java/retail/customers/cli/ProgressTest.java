package retail.customers.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress line, drawn in place on a terminal and as plain lines elsewhere, on a clock the test moves. */
class ProgressTest {
  private final AtomicLong nanos = new AtomicLong();
  private final StringWriter text = new StringWriter();

  @Test
  void onATerminalTheBarIsRedrawnInPlaceWithRateAndTimeLeft() {
    Progress progress = new Progress(new PrintWriter(text), true, "rows", nanos::get);

    nanos.set(2_000_000_000L);
    progress.update(500, 2000);
    nanos.set(2_050_000_000L);
    progress.update(600, 2000); // within a tenth of a second: not redrawn
    nanos.set(4_000_000_000L);
    progress.finish(2000, 2000);

    assertThat(text.toString()).startsWith("\r[#######                       ] 500 / 2,000 rows, 250 rows/s, 0:06 left");
    assertThat(text.toString()).doesNotContain("600");
    assertThat(text.toString()).contains("\r[##############################] 2,000 / 2,000 rows, 500 rows/s");
    assertThat(text.toString().chars().filter(c -> c == '\n')).hasSize(1);
  }

  @Test
  void elsewhereItPrintsAPlainLineEveryFewSecondsAndNoCarriageReturn() {
    Progress progress = new Progress(new PrintWriter(text), false, "rows", nanos::get);

    nanos.set(1_000_000_000L);
    progress.update(100, 0); // too soon for a plain line
    nanos.set(6_000_000_000L);
    progress.update(3000, 0);
    progress.finish(3500, 0);

    assertThat(text.toString()).isEqualTo("3,000 rows, 500 rows/s\n3,500 rows, 583 rows/s\n");
  }
}
