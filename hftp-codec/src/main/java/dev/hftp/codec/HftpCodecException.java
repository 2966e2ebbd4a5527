package dev.hftp.codec;

import io.netty.handler.codec.CodecException;

/**
 * A broken invariant inside the codec; client mistakes are never reported this way.
 */
public final class HftpCodecException extends CodecException {

    private static final long serialVersionUID = 1L;

    public HftpCodecException(String message) {
        super(message);
    }
}
