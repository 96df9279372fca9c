package retail.customers.bench;

import java.util.Arrays;

/** Latencies of one measurement, in nanoseconds, and the figures derived from them. */
final class Latencies {
  private long[] nanos = new long[1 << 16];
  private int count;
  private double seconds;
  private long jvmCpuNanos;
  private long machineCpuNanos;

  synchronized void add(long latency) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, count * 2);
    }
    nanos[count++] = latency;
  }

  synchronized void addAll(Latencies other) {
    for (int i = 0; i < other.count; i++) {
      add(other.nanos[i]);
    }
  }

  void elapsed(double seconds) {
    this.seconds = seconds;
  }

  /** Adds a slice of measured time, for latencies measured in several slices. */
  void addElapsed(double seconds) {
    this.seconds += seconds;
  }

  /** Adds CPU time spent during a slice: by this JVM, and by the whole machine. */
  synchronized void addCpu(long jvmNanos, long machineNanos) {
    jvmCpuNanos += jvmNanos;
    machineCpuNanos += machineNanos;
  }

  /** CPU milliseconds per call spent in this JVM. */
  double jvmCpuMillisPerCall() {
    return count == 0 ? Double.NaN : jvmCpuNanos / 1e6 / count;
  }

  /** CPU milliseconds per call spent outside this JVM (the database, mostly). */
  double otherCpuMillisPerCall() {
    return count == 0 ? Double.NaN : (machineCpuNanos - jvmCpuNanos) / 1e6 / count;
  }

  int count() {
    return count;
  }

  /** The {@code p}-th percentile in milliseconds. */
  synchronized double percentileMillis(double p) {
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * count) - 1;
    return sorted[Math.max(0, Math.min(count - 1, index))] / 1e6;
  }

  double perSecond() {
    return seconds == 0 ? Double.NaN : count / seconds;
  }
}
