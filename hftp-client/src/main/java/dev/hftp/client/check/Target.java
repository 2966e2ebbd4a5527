package dev.hftp.client.check;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The server under test: where it listens, and the TLS to speak to it (null for plaintext).
 *
 * @param tls sockets over TLS, or null; {@code checksHost}: whether the certificate must name {@code host}
 */
record Target(String host, int port, SSLSocketFactory tls, boolean checksHost) {

    /** A new connection, its TLS handshake done; fails after {@code timeoutMillis}. */
    Socket connect(int timeoutMillis) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), timeoutMillis);
            if (tls == null) {
                return plain;
            }
            SSLSocket secure = (SSLSocket) tls.createSocket(plain, host, port, true);
            if (checksHost) {
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(parameters);
            }
            secure.setSoTimeout(timeoutMillis);
            secure.startHandshake();
            return secure;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
