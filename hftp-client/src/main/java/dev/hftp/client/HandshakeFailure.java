package dev.hftp.client;

import dev.hftp.codec.Causes;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;

/**
 * The reason a TLS handshake failed, in a few words a user can act on, instead of the JDK's chain of
 * exceptions ({@code PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: ...}).
 */
final class HandshakeFailure {

    /** How a message about an untrusted certificate begins; the CLI adds its hint after such a message. */
    static final String CERTIFICATE_REJECTED = "certificate rejected: ";

    private HandshakeFailure() {
    }

    static String describe(Throwable cause) {
        for (Throwable t : Causes.chain(cause)) {
            if (t instanceof NotSslRecordException) {
                return "the server does not speak TLS (a plaintext server?)";
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "no TLS answer in time (" + t.getMessage() + ")";
            }
            if (t instanceof CertificateException) {
                return CERTIFICATE_REJECTED + Causes.root(t).getMessage();
            }
            if (t instanceof ClosedChannelException) {
                return "the server closed the connection (not a TLS server, or it refused the client)";
            }
        }
        Throwable root = Causes.root(cause);
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
