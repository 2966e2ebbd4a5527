package dev.hftp.client.cli;

import dev.hftp.client.HftpClientTls;
import dev.hftp.codec.Causes;
import dev.hftp.codec.HftpException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import javax.net.ssl.SSLHandshakeException;

/**
 * Why a command failed: the one line {@code hftp} prints on stderr (after {@code "hftp: "}) and its exit
 * code. Commands throw it; {@link HftpCli} prints it, never a stack trace.
 */
final class CliFailure extends Exception {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    /** {@code NAME: 202 FILE NOT FOUND}. */
    static CliFailure serverError(String subject, HftpException e) {
        return new CliFailure(ExitCodes.SERVER_ERROR, subject + ": " + e.status());
    }

    /** {@code cannot connect to HOST:PORT: Connection refused}. */
    static CliFailure cannotConnect(ServerAddress server, IOException e) {
        return new CliFailure(ExitCodes.CONNECTION, "cannot connect to " + server + ": " + reason(e));
    }

    /**
     * {@code TLS handshake with HOST:PORT failed: REASON}, the client's message as it is (its causes are the
     * JDK's), and what to try when the certificate was the reason.
     */
    static CliFailure tlsFailed(ServerAddress server, SSLHandshakeException e, HftpClientTls tls) {
        String message = e.getMessage();
        if (tls != null && tls.verifiesServer() && message.contains("certificate rejected")) {
            message += " (a self-signed or private-CA server: --tls-ca CERT.pem trusts it; --insecure skips the check)";
        }
        return new CliFailure(ExitCodes.CONNECTION, message);
    }

    /** {@code connection to HOST:PORT lost: ...}. */
    static CliFailure connectionLost(ServerAddress server, IOException e) {
        return new CliFailure(ExitCodes.CONNECTION, "connection to " + server + " lost: " + reason(e));
    }

    /** {@code FILE: Permission denied}. */
    static CliFailure localFile(Path file, IOException e) {
        return new CliFailure(ExitCodes.LOCAL_FILE, file + ": " + reason(e));
    }

    /**
     * The human part of an exception's message. Socket layers append the address to it
     * ({@code Connection refused: /127.0.0.1:19500}), which the caller already printed; file exceptions carry
     * only the path, and the reason sits in their own field or in their class.
     */
    static String reason(IOException outer) {
        // The innermost I/O exception says what happened; the outer ones repeat it with context.
        IOException e = Causes.innermost(outer, IOException.class);
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException fileSystem) {
            return fileSystem.getReason() != null ? fileSystem.getReason() : e.getClass().getSimpleName();
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e instanceof ConnectException ? "Connection refused" : e.getClass().getSimpleName();
        }
        int address = message.indexOf(": /");
        return address > 0 ? message.substring(0, address) : message;
    }
}
