package dev.hftp.client.cli;

import dev.hftp.client.HftpClient;
import dev.hftp.client.ClosedWithoutReplyException;
import dev.hftp.client.HftpClientTls;
import dev.hftp.client.NotHftpReplyException;
import dev.hftp.client.ReplyTimeoutException;
import dev.hftp.codec.HftpException;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLHandshakeException;

/**
 * One connection of a command, which turns the client's failures into {@link CliFailure}s: the command
 * code then reads as the happy path.
 */
final class Session implements AutoCloseable {

    private final ServerAddress server;
    private final HftpClient client;
    /** Null for plaintext: then a server that is not HFTP may be a TLS one. */
    private final HftpClientTls tls;

    private Session(ServerAddress server, HftpClient client, HftpClientTls tls) {
        this.server = server;
        this.client = client;
        this.tls = tls;
    }

    /** Connects, over TLS unless {@code tls} is null, or fails with exit code 3. */
    static Session open(ServerAddress server, HftpClientTls tls, HftpClient.Timeouts timeouts) throws CliFailure {
        Objects.requireNonNull(server, "server");
        try {
            return new Session(server, HftpClient.connect(server.host(), server.port(), tls, timeouts), tls);
        } catch (SSLHandshakeException e) {
            throw CliFailure.tlsFailed(server, e, tls);
        } catch (IOException e) {
            throw CliFailure.cannotConnect(server, e);
        }
    }

    HftpClient client() {
        return client;
    }

    ServerAddress server() {
        return server;
    }

    /** The reply to a request about {@code subject} (a file name, or the server for a listing). */
    <T> T await(CompletableFuture<T> reply, String subject) throws CliFailure, InterruptedException {
        try {
            return reply.get();
        } catch (ExecutionException e) {
            throw failure(e.getCause(), subject);
        }
    }

    /** What a failed reply means to the user; also for futures joined elsewhere. */
    CliFailure failure(Throwable cause, String subject) {
        Throwable root = cause;
        while ((root instanceof ExecutionException || root instanceof CompletionException) && root.getCause() != null) {
            root = root.getCause();
        }
        if (root instanceof HftpException error) {
            return CliFailure.serverError(subject, error);
        }
        if (root instanceof ReplyTimeoutException silent) {
            return new CliFailure(ExitCodes.CONNECTION, server + " sent nothing for " + silent.timeout().toSeconds()
                    + " s while a reply was due: not an HFTP server, or a stuck one (--timeout SECONDS to wait longer)");
        }
        if (root instanceof NotHftpReplyException notHftp) {
            return new CliFailure(ExitCodes.CONNECTION, server + " is not an HFTP server" + (tls == null
                    ? " (or it speaks TLS: --tls)" : "") + ": its reply was not HFTP: " + notHftp.getMessage());
        }
        if (root instanceof ClosedWithoutReplyException closed && closed.beforeAnyReply() && tls == null) {
            return new CliFailure(ExitCodes.CONNECTION, server + " closed the connection without a reply: a TLS-only "
                    + "server? (--tls)");
        }
        if (root instanceof IOException lost) {
            return CliFailure.connectionLost(server, lost);
        }
        // A bug, not a condition of the network: still one line, with what is known.
        return new CliFailure(ExitCodes.CONNECTION, "connection to " + server + " failed: " + root);
    }

    @Override
    public void close() {
        client.close();
    }
}
