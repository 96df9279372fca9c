package retail.customers.server.changes;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;
import retail.customers.server.grpc.ApiException;

/**
 * A position in a tenant's change stream: after the event numbered
 * {@code position} (V10__change_stream_commit_order.sql numbers them, in
 * commit order).
 *
 * <p>A position can also carry a snapshot of the database
 * ({@code pg_snapshot} as text): the events of the transactions that
 * snapshot saw are then skipped. That is how a stream starts "now" or at an
 * export's snapshot exactly: a transaction that the snapshot saw may be
 * numbered only after it, so no single position separates "seen" from "not
 * yet". Once the stream has passed an event of a transaction that began
 * after the snapshot (at or above its xmax), every transaction the snapshot
 * saw is behind it, and the snapshot is dropped.
 *
 * <p>Clients hold it as an opaque string (base64url of "p{position}:{snapshot}").
 */
public record StreamCursor(long position, String snapshot) {
  /** pg_snapshot's text form: xmin:xmax:xip,xip,... */
  private static final Pattern SNAPSHOT = Pattern.compile("\\d{1,20}:\\d{1,20}:(\\d{1,20}(,\\d{1,20})*)?");
  /** The cursors of the first version of the stream, in (xid, seq) order: "xid:seq:snapshot". */
  private static final Pattern FIRST_VERSION = Pattern.compile("\\d{1,20}:\\d{1,20}:.*");
  /** Longer cursors are refused before they are decoded. */
  static final int MAX_LENGTH = 10_000;

  /** The position after an event of transaction {@code eventXid}, keeping this cursor's snapshot while it may still matter. */
  StreamCursor after(long eventPosition, long eventXid) {
    return new StreamCursor(eventPosition, snapshot == null || eventXid >= xmax(snapshot) ? null : snapshot);
  }

  private static long xmax(String snapshot) {
    return Long.parseLong(snapshot.substring(snapshot.indexOf(':') + 1, snapshot.lastIndexOf(':')));
  }

  public String encode() {
    String text = "p" + position + ":" + (snapshot == null ? "" : snapshot);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Decodes a client's cursor: INVALID_ARGUMENT naming {@code field} when it
   * is not one; OUT_OF_RANGE for a cursor of the stream's first version,
   * whose order no longer exists (the client copies again and watches on).
   */
  static StreamCursor decode(String field, String cursor) {
    if (cursor.length() > MAX_LENGTH) {
      throw ApiException.invalidField(field, "is longer than " + MAX_LENGTH + " characters: not a cursor of this service");
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw notACursor(field);
    }
    if (FIRST_VERSION.matcher(text).matches()) {
      throw ApiException.cursorExpired(
          field + " is a cursor of an earlier version of the change stream: copy the customers again with"
              + " ExportCustomers and watch from its watch_cursor");
    }
    int colon = text.indexOf(':');
    if (!text.startsWith("p") || colon < 0) {
      throw notACursor(field);
    }
    String snapshot = text.substring(colon + 1);
    try {
      long position = Long.parseLong(text.substring(1, colon));
      if (position < 0 || !snapshot.isEmpty() && !SNAPSHOT.matcher(snapshot).matches()) {
        throw notACursor(field);
      }
      return new StreamCursor(position, snapshot.isEmpty() ? null : snapshot);
    } catch (NumberFormatException e) {
      throw notACursor(field);
    }
  }

  private static ApiException notACursor(String field) {
    return ApiException.invalidField(field, "is not a cursor of this service's change stream");
  }
}
