package retail.customers.server.changes;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;
import retail.customers.server.grpc.ApiException;

/**
 * A position in a tenant's change stream: after the event of transaction
 * {@code xid} numbered {@code seq}, in (xid, seq) order.
 *
 * <p>A position can also carry a snapshot of the database
 * ({@code pg_snapshot} as text): the events of the transactions that
 * snapshot saw are then skipped. That is how a stream starts "now" or at an
 * export's snapshot exactly: a transaction that started before the snapshot
 * may still commit after it, with an xid below others that the snapshot
 * saw, so no single (xid, seq) separates "seen" from "not yet". Once the
 * stream is past every xid the snapshot could have seen (its xmax), the
 * snapshot is dropped.
 *
 * <p>Clients hold it as an opaque string (base64url of "xid:seq:snapshot").
 */
public record StreamCursor(long xid, long seq, String snapshot) {
  /** pg_snapshot's text form: xmin:xmax:xip,xip,... */
  private static final Pattern SNAPSHOT = Pattern.compile("\\d{1,20}:\\d{1,20}:(\\d{1,20}(,\\d{1,20})*)?");
  /** Longer cursors are refused before they are decoded. */
  static final int MAX_LENGTH = 10_000;

  /** The start of every stream: before any event. */
  static final StreamCursor ORIGIN = new StreamCursor(0, 0, null);

  /**
   * The position that the snapshot {@code snapshot} separates: every event of
   * a transaction it did not see comes after it, every other one is behind.
   */
  public static StreamCursor ofSnapshot(String snapshot) {
    long xmin = Long.parseLong(snapshot.substring(0, snapshot.indexOf(':')));
    // Every transaction below xmin had ended: the snapshot saw all of them.
    return new StreamCursor(xmin - 1, Long.MAX_VALUE, snapshot).settled();
  }

  /** The position after an event, keeping this cursor's snapshot while it may still matter. */
  StreamCursor after(long eventXid, long eventSeq) {
    return new StreamCursor(eventXid, eventSeq, snapshot).settled();
  }

  /** Without the snapshot once the position is past every transaction it could have seen. */
  private StreamCursor settled() {
    if (snapshot == null) {
      return this;
    }
    long xmax = Long.parseLong(snapshot.substring(snapshot.indexOf(':') + 1, snapshot.lastIndexOf(':')));
    return xid >= xmax - 1 ? new StreamCursor(xid, seq, null) : this;
  }

  boolean before(long otherXid, long otherSeq) {
    return xid < otherXid || xid == otherXid && seq < otherSeq;
  }

  public String encode() {
    String text = xid + ":" + seq + ":" + (snapshot == null ? "" : snapshot);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** Decodes a client's cursor; INVALID_ARGUMENT naming {@code field} when it is not one. */
  static StreamCursor decode(String field, String cursor) {
    if (cursor.length() > MAX_LENGTH) {
      throw ApiException.invalidField(field, "is longer than " + MAX_LENGTH + " characters: not a cursor of this service");
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      String[] parts = text.split(":", 3);
      if (parts.length != 3) {
        throw new IllegalArgumentException("three parts expected");
      }
      long xid = Long.parseLong(parts[0]);
      long seq = Long.parseLong(parts[1]);
      if (xid < 0 || seq < 0 || !parts[2].isEmpty() && !SNAPSHOT.matcher(parts[2]).matches()) {
        throw new IllegalArgumentException("out of range");
      }
      return new StreamCursor(xid, seq, parts[2].isEmpty() ? null : parts[2]);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidField(field, "is not a cursor of this service's change stream");
    }
  }
}
