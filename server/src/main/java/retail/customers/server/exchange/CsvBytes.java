package retail.customers.server.exchange;

import com.google.protobuf.ByteString;
import java.util.Arrays;

/**
 * CSV as UTF-8 bytes: a chunk being built from the rows PostgreSQL's COPY
 * wrote (RFC 4180, as COPY quotes it), each ended by CRLF. Every byte that
 * matters to CSV is ASCII, which UTF-8 never uses inside a multi-byte
 * character, so rows are cut and copied as bytes without decoding them.
 */
final class CsvBytes {
  private static final byte[] CRLF = {'\r', '\n'};

  private byte[] buffer;
  private int size;

  CsvBytes(int capacity) {
    buffer = new byte[capacity];
  }

  /** Ends a record (RFC 4180: CRLF). */
  void endRecord() {
    raw(CRLF, 0, CRLF.length);
  }

  void raw(byte[] bytes, int offset, int length) {
    ensure(length);
    System.arraycopy(bytes, offset, buffer, size, length);
    size += length;
  }

  /**
   * Where the cell starting at {@code start} of a CSV row ends: the index of
   * the comma or line feed after it (a quoted cell may hold both).
   */
  static int cellEnd(byte[] row, int start) {
    int i = start;
    if (i < row.length && row[i] == '"') {
      i++;
      while (i < row.length) {
        if (row[i] == '"') {
          if (i + 1 < row.length && row[i + 1] == '"') {
            i += 2;
            continue;
          }
          return i + 1;
        }
        i++;
      }
      return i;
    }
    while (i < row.length && row[i] != ',' && row[i] != '\n') {
      i++;
    }
    return i;
  }

  /** The text of the cell in {@code row[start, end)}, unquoted. */
  static String cellText(byte[] row, int start, int end) {
    if (end > start && row[start] == '"') {
      return new String(row, start + 1, end - start - 2, java.nio.charset.StandardCharsets.UTF_8).replace("\"\"", "\"");
    }
    return new String(row, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
  }

  int size() {
    return size;
  }

  /** The bytes written so far, which are then forgotten. */
  ByteString take() {
    ByteString bytes = ByteString.copyFrom(buffer, 0, size);
    size = 0;
    return bytes;
  }

  private void ensure(int more) {
    if (size + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
    }
  }
}
