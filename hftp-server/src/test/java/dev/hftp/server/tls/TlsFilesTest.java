package dev.hftp.server.tls;

import dev.hftp.codec.testing.TestCertificate;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PEM files {@code --tls-cert} and {@code --tls-key} take: what loads, and the one-line reason for
 * each way they can be wrong.
 */
class TlsFilesTest {

    @TempDir
    static Path certificates;

    private static TestCertificate ec;
    private static TestCertificate rsa;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate() throws Exception {
        ec = TestCertificate.generate(certificates, "ec", "localhost", "dns:localhost,ip:127.0.0.1", "EC");
        rsa = TestCertificate.generate(certificates, "rsa", "localhost", "dns:localhost", "RSA");
    }

    private static String failure(Path cert, Path key) {
        return assertThrows(IOException.class, () -> TlsFiles.serverContext(cert, key)).getMessage();
    }

    @Test
    void shouldLoadEcAndRsaPairsWithTls13And12Only() throws IOException {
        for (TestCertificate pair : List.of(ec, rsa)) {
            SslContext context = TlsFiles.serverContext(pair.certPem(), pair.keyPem());
            assertTrue(context.isServer());
            SslHandler handler = context.newHandler(ByteBufAllocator.DEFAULT);
            try {
                assertEquals(List.of("TLSv1.2", "TLSv1.3"),
                        List.of(handler.engine().getEnabledProtocols()).stream().sorted().toList());
            } finally {
                handler.engine().closeOutbound();
            }
        }
    }

    @Test
    void shouldOfferOnlyForwardSecretAeadCipherSuites() throws IOException {
        SslContext context = TlsFiles.serverContext(rsa.certPem(), rsa.keyPem());
        List<String> suites = context.cipherSuites();
        assertTrue(suites.contains("TLS_AES_128_GCM_SHA256") && suites.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                suites.toString());
        for (String suite : suites) {
            assertTrue(suite.matches("TLS_(AES|CHACHA20)_.*|TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_\\d+_GCM|CHACHA20_POLY1305)_.*"),
                    suite);
        }
    }

    @Test
    void shouldLoadChainWithIntermediatesAfterTheServerCertificate() throws IOException {
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, Files.readString(ec.certPem()) + Files.readString(rsa.certPem()));
        assertTrue(TlsFiles.serverContext(chain, ec.keyPem()).isServer());
    }

    @Test
    void shouldNameAMissingKeyFile() {
        Path missing = dir.resolve("missing.key");
        assertEquals("cannot load TLS key " + missing + ": no such file", failure(ec.certPem(), missing));
    }

    @Test
    void shouldNameAMissingCertificateFile() {
        Path missing = dir.resolve("missing.crt");
        assertEquals("cannot load TLS certificate " + missing + ": no such file", failure(missing, ec.keyPem()));
    }

    @Test
    void shouldRefuseAKeyGivenAsCertificate() {
        String message = failure(ec.keyPem(), ec.keyPem());
        assertTrue(message.startsWith("cannot load TLS certificate " + ec.keyPem() + ": "), message);
    }

    @Test
    void shouldRefuseACertificateGivenAsKey() {
        assertEquals("cannot load TLS key " + ec.certPem() + ": no '-----BEGIN PRIVATE KEY-----' block",
                failure(ec.certPem(), ec.certPem()));
    }

    @Test
    void shouldRefusePkcs1KeyWithTheCommandThatConvertsIt() throws IOException {
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.key"), TestCertificate.pem("RSA PRIVATE KEY", new byte[] {1}));
        String message = failure(rsa.certPem(), pkcs1);
        assertTrue(message.startsWith("cannot load TLS key " + pkcs1 + ": 'BEGIN RSA PRIVATE KEY' is not supported"),
                message);
        assertTrue(message.endsWith("convert it with: openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + " -out key.pem"),
                message);
    }

    @Test
    void shouldRefuseEncryptedKey() throws IOException {
        Path encrypted = Files.writeString(dir.resolve("enc.key"),
                TestCertificate.pem("ENCRYPTED PRIVATE KEY", new byte[] {1}));
        assertTrue(failure(rsa.certPem(), encrypted).contains("'BEGIN ENCRYPTED PRIVATE KEY' is not supported"));
    }

    @Test
    void shouldRefuseGarbageInsideAPrivateKeyBlock() throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.key"), TestCertificate.pem("PRIVATE KEY", new byte[40]));
        assertTrue(failure(ec.certPem(), garbage).startsWith("cannot load TLS key " + garbage
                + ": not a PKCS#8 private key of a known type"));
    }

    @Test
    void shouldRefuseTheKeyOfAnotherCertificate() {
        assertEquals("the TLS key " + rsa.keyPem() + " does not belong to the certificate " + ec.certPem()
                + " (its public key differs)", failure(ec.certPem(), rsa.keyPem()));
    }

    @Test
    void shouldRefuseAnEmptyCertificateFile() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertTrue(failure(empty, ec.keyPem()).startsWith("cannot load TLS certificate " + empty + ": "));
    }
}
