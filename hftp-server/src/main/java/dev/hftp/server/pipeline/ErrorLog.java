package dev.hftp.server.pipeline;

import dev.hftp.server.logging.RateLimitedLog;
import dev.hftp.server.proxy.ClientAddress;

import dev.hftp.codec.Causes;
import io.netty.channel.Channel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;

import javax.net.ssl.SSLException;

/**
 * How the failures of a server's connections are logged. What any client on the network can cause (a reset, bad
 * TLS or none) is one DEBUG line; an internal error (199, which a client can also provoke at will with an
 * unreadable file) or an unexpected exception is a WARN with the client's address, at most one a second for all
 * the connections together, the others counted in the next line. One for a server, shared by its connections.
 */
public final class ErrorLog {

    /** Named for the dispatcher: operators filter its warnings by that name. */
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpHandler.class);

    private final RateLimitedLog warnings =
            new RateLimitedLog(logger, "internal error", "{} in the last {} s; last from {}");

    /** Logs a 199 answered to {@code channel}'s client. */
    void internalError(Channel channel, String reason) {
        String client = ClientAddress.textOf(channel);
        if (warnings.admit(client + ": " + reason)) {
            logger.warn("{} internal error: {}", client, reason);
        }
    }

    /**
     * Logs {@code cause}, caught on {@code channel}; true if the client caused it (the connection is then closed
     * without a reply), false if it is unexpected (a 199 ends the connection).
     */
    boolean caught(Channel channel, Throwable cause) {
        String client = ClientAddress.textOf(channel);
        // The SslHandler wraps its SSLException in a DecoderException.
        if (cause instanceof IOException || Causes.has(cause, SSLException.class)) {
            logger.debug("{} connection error: {}", client, cause.toString());
            return true;
        }
        if (warnings.admit(client + ": " + cause)) {
            // The stack trace is what it takes to fix it.
            logger.warn("{} unexpected error, closing", client, cause);
        }
        return false;
    }
}
