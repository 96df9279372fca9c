package retail.customers.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Which field of a request protobuf refused to parse, and why: the bytes are
 * walked against the message's descriptor the way protobuf's parser reads
 * them, nested messages and map entries included, to the first text that is
 * not UTF-8 or the first field whose bytes are cut short or malformed.
 * Protobuf's own exception says only that something was wrong somewhere.
 *
 * <p>Fields are named as field violations name them elsewhere:
 * {@code customer.address.address_line_1}, {@code requests[2].customer.email}
 * (repeated fields by their 0-based index), {@code customer.custom_fields.size}
 * (map values by their key). A problem outside any known field names the
 * message (its type's name at the top).
 */
final class WireFields {
  /** CodedInputStream's default recursion limit, which grpc-java's parser keeps. */
  static final int MAX_DEPTH = 100;

  /** The field at fault, as a field violation names it, and what is wrong with it. */
  record Problem(String field, String description) {}

  static final String NOT_UTF8 = "is not valid UTF-8 text";
  static final String MALFORMED = "is not a well-formed protobuf encoding (cut short, or a malformed tag or length)";

  /** A map entry's key, field 1, as text (length-delimited). */
  private static final int KEY_TAG = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private WireFields() {}

  /** The first problem in {@code bytes} read as a {@code type} message; the message itself if no field can be blamed. */
  static Problem locate(Descriptor type, byte[] bytes) {
    try {
      Problem problem = walk(CodedInputStream.newInstance(bytes), type, "", null, 0);
      if (problem != null) {
        return problem;
      }
    } catch (IOException | RuntimeException e) {
      // A malformation this walk does not follow field by field: blame the message.
    }
    return new Problem(type.getName(), MALFORMED);
  }

  /**
   * Walks one message's fields up to the stream's current limit.
   *
   * @param path the message's own path ("" at the top)
   * @param mapKeyPath for a map entry, the map's path (which names its key); null otherwise
   */
  private static Problem walk(CodedInputStream in, Descriptor type, String path, String mapKeyPath, int depth)
      throws IOException {
    Map<Integer, Integer> occurrences = new HashMap<>();
    while (true) {
      int tag;
      try {
        tag = in.readTag();
      } catch (IOException e) {
        return malformed(path, type);
      }
      if (tag == 0) {
        return null;
      }
      int wireType = WireFormat.getTagWireType(tag);
      if (wireType == WireFormat.WIRETYPE_END_GROUP) {
        return malformed(path, type); // an end-group tag outside any group: protobuf stops and refuses the message
      }
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      if (field == null || !expected(field, wireType)) {
        // An unknown field (or a known one in an unexpected encoding, which
        // protobuf keeps as unknown): skipped, or refused where it is cut short.
        if (!skip(in, tag)) {
          return malformed(path, type);
        }
        continue;
      }
      String fieldPath;
      if (mapKeyPath != null) {
        fieldPath = field.getNumber() == 1 ? mapKeyPath : path;
      } else {
        fieldPath = child(path, field.getName());
        if (field.isRepeated() && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && !isPackable(field)) {
          int index = occurrences.merge(field.getNumber(), 1, Integer::sum) - 1;
          fieldPath = field.isMapField() ? fieldPath : fieldPath + "[" + index + "]";
        }
      }
      Problem problem = switch (field.getJavaType()) {
        case STRING -> {
          byte[] text = readBytes(in);
          if (text == null) {
            yield new Problem(fieldPath, MALFORMED);
          }
          yield ByteString.copyFrom(text).isValidUtf8() ? null : new Problem(fieldPath, mapKeyPath != null && field.getNumber() == 1 ? "has a key that " + NOT_UTF8 : NOT_UTF8);
        }
        case MESSAGE -> {
          if (depth + 1 >= MAX_DEPTH) {
            yield new Problem(fieldPath, "nests messages more than " + MAX_DEPTH + " deep");
          }
          byte[] inner = readBytes(in);
          if (inner == null) {
            yield new Problem(fieldPath, MALFORMED);
          }
          yield field.isMapField()
              ? mapEntry(inner, field.getMessageType(), fieldPath, depth + 1)
              : walk(CodedInputStream.newInstance(inner), field.getMessageType(), fieldPath, null, depth + 1);
        }
        default -> scalar(in, field, tag) ? null : new Problem(fieldPath, MALFORMED);
      };
      if (problem != null) {
        return problem;
      }
    }
  }

  /** A map entry: its value is named by its key ({@code custom_fields.size}), a key that is not UTF-8 by the map. */
  private static Problem mapEntry(byte[] entry, Descriptor type, String mapPath, int depth) throws IOException {
    String key = null;
    CodedInputStream in = CodedInputStream.newInstance(entry);
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == KEY_TAG) {
          ByteString text = in.readBytes();
          key = text.isValidUtf8() ? text.toStringUtf8() : null;
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (IOException e) {
      key = null; // the walk below finds where
    }
    String valuePath = key == null ? mapPath : mapPath + "." + key;
    return walk(CodedInputStream.newInstance(entry), type, valuePath, mapPath, depth);
  }

  /** Reads a scalar (or a packed run of them); false if its bytes are malformed. */
  private static boolean scalar(CodedInputStream in, FieldDescriptor field, int tag) {
    try {
      if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED || !isPackable(field)) {
        return in.skipField(tag);
      }
      byte[] packed = in.readByteArray();
      return switch (field.getLiteType().getWireType()) {
        case WireFormat.WIRETYPE_FIXED32 -> packed.length % 4 == 0;
        case WireFormat.WIRETYPE_FIXED64 -> packed.length % 8 == 0;
        default -> {
          CodedInputStream values = CodedInputStream.newInstance(packed);
          while (!values.isAtEnd()) {
            values.readRawVarint64();
          }
          yield true;
        }
      };
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether protobuf reads {@code wireType} as this field (rather than keeping it as an unknown field). */
  private static boolean expected(FieldDescriptor field, int wireType) {
    return wireType == field.getLiteType().getWireType()
        || (field.isRepeated() && isPackable(field) && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED);
  }

  private static boolean isPackable(FieldDescriptor field) {
    return field.getLiteType().isPackable();
  }

  /** The next length-delimited value, or null if its length is malformed or runs past the end. */
  private static byte[] readBytes(CodedInputStream in) {
    try {
      return in.readByteArray();
    } catch (IOException e) {
      return null;
    }
  }

  /** Skips an unknown field; false if it is malformed or cut short. */
  private static boolean skip(CodedInputStream in, int tag) {
    try {
      return in.skipField(tag);
    } catch (IOException e) {
      return false;
    }
  }

  private static Problem malformed(String path, Descriptor type) {
    return new Problem(path.isEmpty() ? type.getName() : path, MALFORMED);
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
