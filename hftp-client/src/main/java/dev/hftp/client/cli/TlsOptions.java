package dev.hftp.client.cli;

import dev.hftp.client.HftpClientTls;
import dev.hftp.client.check.CheckTls;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The TLS options of {@code hftp}, accepted before the command or after it ({@code hftp --tls ls HOST},
 * {@code hftp ls --tls HOST}): plaintext unless one of them is given.
 */
final class TlsOptions {

    @Option(names = "--tls", scope = ScopeType.INHERIT,
            description = "Connect over TLS; the server's certificate must be signed by an authority the JDK "
                    + "trusts and name HOST.")
    boolean tls;

    @Option(names = "--tls-ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Over TLS, trust only the PEM certificates of FILE: a private CA, or a self-signed "
                    + "server's own certificate (which must still name HOST). Implies --tls.")
    Path ca;

    @Option(names = "--insecure", scope = ScopeType.INHERIT,
            description = "Over TLS, accept any certificate for any host: encrypted, but whoever answers is not "
                    + "checked. Implies --tls.")
    boolean insecure;

    /** The same choice for the check's own sockets ({@code hftp check}), or null for plaintext. */
    CheckTls checkTls() throws CliFailure {
        return chosen(CheckTls::system, CheckTls::trusting, CheckTls::insecure);
    }

    /** The TLS of the connections, or null for plaintext; a wrong combination or CA file is a usage error. */
    HftpClientTls clientTls() throws CliFailure {
        return chosen(HftpClientTls::system, HftpClientTls::trusting, HftpClientTls::insecure);
    }

    /** A CA file read into a TLS setting, which may find it unreadable or empty. */
    @FunctionalInterface
    private interface Trusting<T> {
        T of(Path ca) throws IOException;
    }

    /** The setting the options choose, made by one of the three factories; null for plaintext. */
    private <T> T chosen(Supplier<T> system, Trusting<T> trusting, Supplier<T> anyCertificate) throws CliFailure {
        if (insecure && ca != null) {
            throw new CliFailure(ExitCodes.USAGE, "--insecure and --tls-ca exclude each other: "
                    + "--tls-ca checks the server's certificate, --insecure does not");
        }
        if (insecure) {
            return anyCertificate.get();
        }
        if (ca != null) {
            try {
                return trusting.of(ca);
            } catch (IOException e) {
                throw new CliFailure(ExitCodes.USAGE, e.getMessage());
            }
        }
        return tls ? system.get() : null;
    }
}
