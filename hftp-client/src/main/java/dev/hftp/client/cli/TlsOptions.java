package dev.hftp.client.cli;

import dev.hftp.client.HftpClientTls;
import dev.hftp.client.check.CheckTls;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.nio.file.Path;

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
        if (insecure && ca != null) {
            throw new CliFailure(ExitCodes.USAGE, "--insecure and --tls-ca exclude each other: "
                    + "--tls-ca checks the server's certificate, --insecure does not");
        }
        if (insecure) {
            return CheckTls.insecure();
        }
        if (ca != null) {
            try {
                return CheckTls.trusting(ca);
            } catch (IOException e) {
                throw new CliFailure(ExitCodes.USAGE, e.getMessage());
            }
        }
        return tls ? CheckTls.system() : null;
    }

    /** The TLS of the connections, or null for plaintext; a wrong combination or CA file is a usage error. */
    HftpClientTls clientTls() throws CliFailure {
        if (insecure && ca != null) {
            throw new CliFailure(ExitCodes.USAGE, "--insecure and --tls-ca exclude each other: "
                    + "--tls-ca checks the server's certificate, --insecure does not");
        }
        if (insecure) {
            return HftpClientTls.insecure();
        }
        if (ca != null) {
            try {
                return HftpClientTls.trusting(ca);
            } catch (IOException e) {
                throw new CliFailure(ExitCodes.USAGE, e.getMessage());
            }
        }
        return tls ? HftpClientTls.system() : null;
    }
}
