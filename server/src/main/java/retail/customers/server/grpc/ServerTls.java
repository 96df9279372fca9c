package retail.customers.server.grpc;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The server's TLS: its certificate chain and key, and optionally the CA whose client certificates it requires (mutual TLS). */
public final class ServerTls {
  private ServerTls() {}

  /**
   * @param certificateChain PEM, the server's certificate first
   * @param privateKey PEM, PKCS#8
   * @param clientCa PEM CA certificates; when given, every client must present a certificate signed by one
   */
  public static ServerCredentials credentials(File certificateChain, File privateKey, File clientCa) {
    try {
      TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder().keyManager(certificateChain, privateKey);
      if (clientCa != null) {
        tls.trustManager(clientCa).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return tls.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS certificate, key or client CA: " + e.getMessage(), e);
    }
  }
}
