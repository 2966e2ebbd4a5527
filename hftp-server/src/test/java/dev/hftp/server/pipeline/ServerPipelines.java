package dev.hftp.server.pipeline;

import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;

/** Embedded channels set up as the server's connections are. */
public final class ServerPipelines {

    private ServerPipelines() { }

    /**
     * An {@link EmbeddedChannel} with {@code handlers}, whose auto-read is off before it becomes active, as the
     * server's initializer leaves a connection: requests come only when the handler asks for them.
     */
    public static EmbeddedChannel onDemand(ChannelHandler... handlers) {
        EmbeddedChannel channel = new EmbeddedChannel(false, false, handlers);
        channel.config().setAutoRead(false);
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException("cannot register an embedded channel", e);
        }
        return channel;
    }
}
