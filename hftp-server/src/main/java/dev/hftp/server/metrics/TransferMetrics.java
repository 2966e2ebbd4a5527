package dev.hftp.server.metrics;

import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;

/**
 * Adds a transfer's file bytes to the metrics as they are sent (a dashboard sees a long transfer move, not
 * jump at its end), and its duration when it ends. Progress is as the writers report it, at most a chunk
 * ahead of the socket; a transfer that completes counts exactly its size.
 */
public final class TransferMetrics implements ChannelProgressiveFutureListener {

    private final ServerMetrics metrics;
    private final boolean raw;
    private final long size;
    private final long startNanos = System.nanoTime();
    private long counted;

    public TransferMetrics(ServerMetrics metrics, boolean raw, long size) {
        this.metrics = metrics;
        this.raw = raw;
        this.size = size;
    }

    @Override
    public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
        count(Math.min(progress, size));
    }

    @Override
    public void operationComplete(ChannelProgressiveFuture future) {
        if (future.isSuccess()) {
            count(size);
        }
        metrics.transferEnded(raw, startNanos);
    }

    private void count(long progress) {
        if (progress > counted) {
            metrics.sliceBytesSent(raw, progress - counted);
            counted = progress;
        }
    }
}
