package retail.customers.server.grpc;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Conversions between database times and protobuf timestamps. */
public final class ProtoTime {
  private ProtoTime() {}

  public static Timestamp of(OffsetDateTime time) {
    Instant instant = time.toInstant();
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  public static OffsetDateTime toOffsetDateTime(Timestamp timestamp) {
    return OffsetDateTime.ofInstant(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()), ZoneOffset.UTC);
  }

  /** Whether {@code timestamp} is a valid time (protobuf allows year 1 to 9999). */
  public static boolean isValid(Timestamp timestamp) {
    return com.google.protobuf.util.Timestamps.isValid(timestamp);
  }
}
