package dev.hftp.server;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DefaultSocketChannelConfig;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * An {@link EmbeddedChannel} that is a {@link SocketChannel}, so that a {@code ChannelInitializer<SocketChannel>}
 * can build its real pipeline on it. Half-closure is not supported.
 */
public final class EmbeddedSocketChannel extends EmbeddedChannel implements SocketChannel {

    // Created on first use, which can be inside EmbeddedChannel's constructor: no initializer here.
    private Socket socket;
    private SocketChannelConfig config;

    public EmbeddedSocketChannel(ChannelHandler initializer) throws Exception {
        super(DefaultChannelId.newInstance(), false, false, initializer);
        register();
    }

    @Override
    public SocketChannelConfig config() {
        if (config == null) {
            socket = new Socket();
            config = new DefaultSocketChannelConfig(this, socket);
        }
        return config;
    }

    @Override
    public ServerSocketChannel parent() {
        return null;
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 19500);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            if (socket != null) {
                socket.close();
            }
        }
    }

    @Override
    public boolean isInputShutdown() {
        return false;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return promise.setFailure(new IOException("not supported by " + getClass().getSimpleName()));
    }

    @Override
    public boolean isOutputShutdown() {
        return false;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        return promise.setFailure(new IOException("not supported by " + getClass().getSimpleName()));
    }

    @Override
    public boolean isShutdown() {
        return !isActive();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        return promise.setFailure(new IOException("not supported by " + getClass().getSimpleName()));
    }
}
