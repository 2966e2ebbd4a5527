package dev.hftp.codec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate and its key as PEM files, made for a test by the JDK's own {@code keytool} (no
 * BouncyCastle, no openssl): {@code certPem} is what {@code --tls-cert} and a client's {@code --tls-ca} take,
 * {@code keyPem} an unencrypted PKCS#8 key for {@code --tls-key}.
 *
 * @param certPem the certificate, {@code -----BEGIN CERTIFICATE-----}
 * @param keyPem the private key, {@code -----BEGIN PRIVATE KEY-----}
 * @param certificate the certificate itself
 */
public record TestCertificate(Path certPem, Path keyPem, X509Certificate certificate) {

    private static final String PASSWORD = "changeit";

    /**
     * A certificate for {@code CN=commonName}, valid for two days, with the subject alternative names
     * {@code san} in keytool's syntax ({@code ip:127.0.0.1,dns:localhost}), of an EC P-256 or an RSA key
     * ({@code keyAlgorithm} "EC" or "RSA"); its files are {@code dir/NAME.crt.pem} and {@code dir/NAME.key.pem}.
     */
    public static TestCertificate generate(Path dir, String name, String commonName, String san, String keyAlgorithm)
            throws IOException, InterruptedException {
        Path store = dir.resolve(name + ".p12");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-noprompt", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD, "-alias", "hftp", "-dname", "CN=" + commonName,
                "-validity", "2", "-keyalg", keyAlgorithm, "-ext", "SAN=" + san));
        command.addAll(keyAlgorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = keytool.getInputStream().readAllBytes();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8));
        }
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD.toCharArray());
            X509Certificate certificate = (X509Certificate) keyStore.getCertificate("hftp");
            PrivateKey key = (PrivateKey) keyStore.getKey("hftp", PASSWORD.toCharArray());
            Path certPem = Files.writeString(dir.resolve(name + ".crt.pem"),
                    pem("CERTIFICATE", certificate.getEncoded()));
            Path keyPem = Files.writeString(dir.resolve(name + ".key.pem"), pem("PRIVATE KEY", key.getEncoded()));
            return new TestCertificate(certPem, keyPem, certificate);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key store keytool wrote", e);
        }
    }

    /** DER bytes as a PEM block, 64 base64 characters a line, as openssl writes it. */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
