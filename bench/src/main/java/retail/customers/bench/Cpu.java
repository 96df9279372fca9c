package retail.customers.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time, of this JVM and of the whole machine. At saturation a ratio of
 * throughputs is a ratio of CPU per call; splitting it between the JVM
 * (client, server, JDBC) and the rest (the database) shows whose it is.
 */
final class Cpu {
  /** Linux's clock ticks per second for /proc/stat (USER_HZ), fixed at 100 on every common build. */
  private static final long TICK_NANOS = 10_000_000;

  private Cpu() {}

  static long jvmNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Fields of /proc/stat's "cpu" line that are time spent running: user, nice, system, irq, softirq (not idle, I/O wait nor steal). */
  private static final int[] BUSY_FIELDS = {1, 2, 3, 6, 7};

  /** Busy time of all the machine's CPUs, or 0 where /proc/stat is missing. */
  static long machineNanos() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
      long busy = 0;
      for (int field : BUSY_FIELDS) {
        busy += Long.parseLong(cpu[field]);
      }
      return busy * TICK_NANOS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
