package dev.hftp.server.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the server's certificate chain and private key from PEM files into an {@link SslContext}, with one
 * clear message per way they can be wrong: the server must refuse to start rather than fail every handshake.
 *
 * <p>Accepted: the certificate file holds one or more {@code BEGIN CERTIFICATE} blocks, the server's first;
 * the key file holds an unencrypted PKCS#8 {@code BEGIN PRIVATE KEY} (RSA, EC or EdDSA), what
 * {@code openssl req -newkey ... -nodes} and {@code openssl genpkey} write. PKCS#1 ({@code BEGIN RSA PRIVATE
 * KEY}), SEC1 ({@code BEGIN EC PRIVATE KEY}) and encrypted keys are refused with the command that converts
 * them, since the JDK reads none of them without BouncyCastle.
 */
public final class TlsFiles {

    /** The versions offered: TLS 1.3, and 1.2 for older clients; nothing older. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /**
     * The cipher suites offered, those of the JDK in use kept: TLS 1.3's, and for 1.2 only forward-secret
     * (ECDHE) AEAD ones. Netty's defaults would add CBC and static-RSA suites for old clients.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** The key types a PKCS#8 key may hold, tried in turn: the encoding names its type only by an OID. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA");

    private TlsFiles() {
    }

    /** A server context over the chain in {@code certChainPem} and the key in {@code keyPem}. */
    public static SslContext serverContext(Path certChainPem, Path keyPem) throws IOException {
        List<X509Certificate> chain = certificates(certChainPem, "certificate");
        PrivateKey key = privateKey(keyPem);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new IOException("the TLS key " + keyPem + " does not belong to the certificate " + certChainPem
                    + " (its public key differs)");
        }
        try {
            return SslContextBuilder.forServer(key, chain).protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE).build();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot set up TLS with " + certChainPem + " and " + keyPem + ": " + e.getMessage(),
                    e);
        }
    }

    /** The certificates of a PEM file, in file order; {@code what} names the file in messages. */
    static List<X509Certificate> certificates(Path pem, String what) throws IOException {
        String text = read(pem, what);
        List<X509Certificate> certificates;
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            certificates = factory.generateCertificates(
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        } catch (CertificateException e) {
            throw cannotLoad(what, pem, "not a PEM certificate (" + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw cannotLoad(what, pem, "no '-----BEGIN CERTIFICATE-----' block", null);
        }
        return certificates;
    }

    private static PrivateKey privateKey(Path pem) throws IOException {
        String text = read(pem, "key");
        Matcher block = PEM_BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(pem, Base64.getMimeDecoder().decode(block.group(2)));
                case "RSA PRIVATE KEY":
                case "EC PRIVATE KEY":
                case "ENCRYPTED PRIVATE KEY":
                    throw cannotLoad("key", pem, "'BEGIN " + type + "' is not supported, only an unencrypted PKCS#8 "
                            + "'BEGIN PRIVATE KEY'; convert it with: openssl pkcs8 -topk8 -nocrypt -in " + pem
                            + " -out key.pem", null);
                default:
                    // Parameters or a certificate next to the key: not the key.
            }
        }
        throw cannotLoad("key", pem, "no '-----BEGIN PRIVATE KEY-----' block", null);
    }

    private static PrivateKey pkcs8(Path pem, byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // Not a key of this type (or no such factory here): try the next.
            }
        }
        throw cannotLoad("key", pem, "not a PKCS#8 private key of a known type (" + String.join(", ", KEY_ALGORITHMS)
                + ")", null);
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: a signature made with one is checked with
     * the other. A pair the check cannot judge (an unusual algorithm) passes, and the handshake decides.
     */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        byte[] probe = "hftp key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // Keys of different types, e.g. an EC key for an RSA certificate.
            return false;
        }
    }

    private static String read(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw cannotLoad(what, file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw cannotLoad(what, file, "permission denied", e);
        } catch (IOException e) {
            throw cannotLoad(what, file, e.getMessage() != null ? e.getMessage() : e.toString(), e);
        }
    }

    /** {@code cannot load TLS key FILE: REASON}. */
    private static IOException cannotLoad(String what, Path file, String reason, Throwable cause) {
        return new IOException("cannot load TLS " + what + " " + file + ": " + reason, cause);
    }
}
