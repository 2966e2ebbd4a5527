package dev.hftp.client.check;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * TLS for the check's own sockets, with the same three choices as the rest of {@code hftp}: the JDK's trusted
 * authorities, the certificates of one PEM file, or none checked.
 *
 * @param checksHost whether the server's certificate must name the host
 */
public record CheckTls(SSLSocketFactory sockets, boolean checksHost) {

    public static CheckTls system() {
        try {
            return new CheckTls(SSLContext.getDefault().getSocketFactory(), true);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }

    /** Trusting only the certificates of {@code caPem}. */
    public static CheckTls trusting(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IOException(caPem + ": no PEM certificate in it");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            return new CheckTls(context(trust.getTrustManagers()).getSocketFactory(), true);
        } catch (GeneralSecurityException e) {
            throw new IOException(caPem + ": not PEM certificates: " + e.getMessage(), e);
        }
    }

    /** Encrypted, but whoever answers is not checked. */
    public static CheckTls insecure() {
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                // Not a server: never asked.
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // --insecure: any certificate is accepted, as the user asked.
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            return new CheckTls(context(new TrustManager[] {trustAll}).getSocketFactory(), false);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS", e);
        }
    }

    private static SSLContext context(TrustManager[] trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, null);
        return context;
    }
}
