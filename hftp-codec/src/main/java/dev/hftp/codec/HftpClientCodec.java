package dev.hftp.codec;

import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * The client side of HFTP in one handler: {@link HftpRequestEncoder} for requests, {@link HftpReplyDecoder}
 * for replies, the encoder telling the decoder what each reply answers.
 */
public final class HftpClientCodec extends CombinedChannelDuplexHandler<HftpReplyDecoder, HftpRequestEncoder> {

    public HftpClientCodec() {
        this(HftpReplyDecoder.DEFAULT_MAX_LINE_LENGTH);
    }

    public HftpClientCodec(int maxLineLength) {
        HftpReplyDecoder decoder = new HftpReplyDecoder(maxLineLength);
        init(decoder, new HftpRequestEncoder(decoder::expect));
    }
}
