package retail.customers.server.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 of a protobuf message, the same for equal messages whatever their map order. */
public final class Fingerprint {
  private Fingerprint() {}

  /** Hashes {@code salts} then the message's deterministic encoding. */
  public static byte[] of(Message message, String... salts) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      message.writeTo(out);
      out.flush();
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String salt : salts) {
        digest.update(salt.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return digest.digest(bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
