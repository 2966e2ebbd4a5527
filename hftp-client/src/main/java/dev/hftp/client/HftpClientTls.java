package dev.hftp.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.SSLException;

/**
 * How {@link HftpClient#connect(String, int, HftpClientTls)} secures a connection: TLS 1.3 or 1.2, the server's
 * certificate checked against trusted certificates and the host name connected to, unless {@link #insecure()}.
 * Immutable and thread-safe; build one and use it for every connection, as it holds the loaded trust.
 */
public final class HftpClientTls {

    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** The JSSE name of RFC 2818's host name check, the one HTTPS and most TLS protocols use. */
    private static final String HOST_NAME_CHECK = "HTTPS";

    private final SslContext context;
    private final boolean verifies;

    private HftpClientTls(SslContext context, boolean verifies) {
        this.context = context;
        this.verifies = verifies;
    }

    /** Trusts the certificate authorities of the JDK's trust store ({@code cacerts}), and checks the host name. */
    public static HftpClientTls system() {
        return build(SslContextBuilder.forClient().endpointIdentificationAlgorithm(HOST_NAME_CHECK), true);
    }

    /**
     * Trusts only the certificates of {@code caPem} (PEM, one or more): a private CA, or a self-signed server's own
     * certificate; checks the host name, so the certificate must name the host connected to.
     *
     * @throws IOException {@code cannot load TLS CA file FILE: ...} if the file is missing or holds no certificate
     */
    public static HftpClientTls trusting(Path caPem) throws IOException {
        Objects.requireNonNull(caPem, "caPem");
        return build(SslContextBuilder.forClient().endpointIdentificationAlgorithm(HOST_NAME_CHECK)
                .trustManager(certificates(caPem)), true);
    }

    /**
     * Encrypts without checking who answers: any certificate, any host name. Protects against listeners only, not
     * against anyone in the middle; for tests and self-signed servers on a trusted network.
     */
    public static HftpClientTls insecure() {
        return build(SslContextBuilder.forClient().endpointIdentificationAlgorithm(null)
                .trustManager(InsecureTrustManagerFactory.INSTANCE), false);
    }

    /**
     * A client context the application built (its own trust, key for client authentication, provider). Whether
     * it checks the host name is its own setting ({@link SslContextBuilder#endpointIdentificationAlgorithm}).
     */
    public static HftpClientTls of(SslContext clientContext) {
        Objects.requireNonNull(clientContext, "clientContext");
        if (!clientContext.isClient()) {
            throw new IllegalArgumentException("clientContext: a server context (expected: SslContextBuilder.forClient)");
        }
        return new HftpClientTls(clientContext, true);
    }

    /** Whether the server's certificate is checked; false only for {@link #insecure()}. */
    public boolean verifiesServer() {
        return verifies;
    }

    /** The handler for a connection to {@code host:port}, which the host name check and SNI need. */
    SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        return context.newHandler(alloc, host, port);
    }

    private static HftpClientTls build(SslContextBuilder builder, boolean verifies) {
        try {
            return new HftpClientTls(builder.protocols(PROTOCOLS).build(), verifies);
        } catch (SSLException e) {
            // The JDK provider, which is always there, fails only if the JDK's own TLS set-up is broken.
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static X509Certificate[] certificates(Path pem) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(pem);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot load TLS CA file " + pem + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot load TLS CA file " + pem + ": permission denied", e);
        }
        try {
            X509Certificate[] certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes)).stream()
                    .map(X509Certificate.class::cast)
                    .toArray(X509Certificate[]::new);
            if (certificates.length == 0) {
                throw new IOException("cannot load TLS CA file " + pem + ": no '-----BEGIN CERTIFICATE-----' block");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IOException("cannot load TLS CA file " + pem + ": not a PEM certificate (" + e.getMessage() + ")",
                    e);
        }
    }
}
