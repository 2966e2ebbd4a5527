package dev.hftp.server.logging;

import dev.hftp.codec.HftpFileNames;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpStatus;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;


/**
 * One line per request on the logger {@value #LOGGER_NAME}, at INFO, written when the reply has been handed
 * to the socket (or failed):
 *
 * <pre>
 * CLIENT COMMAND FILE OFFSET SIZE STATUS BYTES DURATION
 * /127.0.0.1:41234 get_slice big.bin 0 1048576 0 1398110 3.182ms
 * /127.0.0.1:41234 get_metadata nope - - 202 20 0.041ms
 * </pre>
 *
 * {@code -} stands for a field the request does not have; {@code COMMAND} is {@code get_slice/raw} for a raw
 * slice and {@code -} for a line that is not a request; {@code BYTES} is the size of the reply, {@code -} when
 * it could not be sent whole (the client left, the file shrank), as {@code ReplyObserver} counts it from the
 * responses written. The time is the logging framework's. Off by default (log4j2.xml); when it is off as a
 * connection starts (and the server exports no metrics), that connection has no observer and does no work for it.
 */
public final class AccessLog {

    static final String LOGGER_NAME = "dev.hftp.access";

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(LOGGER_NAME);

    private AccessLog() {
    }

    public static boolean enabled() {
        return logger.isInfoEnabled();
    }

    /** A listener that logs {@code request}, answered {@code status} in {@code bytes}, once the write is done. */
    public static ChannelFutureListener onWritten(String client, HftpRequest request, HftpStatus status, long bytes,
                                           long startNanos) {
        return (ChannelFuture f) -> logger.info("{} {} {} {} {} {} {} {}ms", client, command(request), file(request),
                offset(request), size(request), status.code(), f.isSuccess() ? Long.toString(bytes) : "-",
                String.format(java.util.Locale.ROOT, "%.3f", (System.nanoTime() - startNanos) / 1e6));
    }

    private static String command(HftpRequest request) {
        if (request.command() == null) {
            return "-";
        }
        return request instanceof HftpRequest.GetSlice slice && slice.raw() ? "get_slice/raw"
                : request.command().wireName();
    }

    private static String file(HftpRequest request) {
        if (request instanceof HftpRequest.GetMetadata metadata) {
            return HftpFileNames.abbreviate(metadata.fileName());
        } else if (request instanceof HftpRequest.GetSlice slice) {
            return HftpFileNames.abbreviate(slice.fileName());
        }
        return "-";
    }

    private static String offset(HftpRequest request) {
        return request instanceof HftpRequest.GetSlice slice ? Long.toString(slice.offset()) : "-";
    }

    private static String size(HftpRequest request) {
        return request instanceof HftpRequest.GetSlice slice ? Long.toString(slice.size()) : "-";
    }
}
