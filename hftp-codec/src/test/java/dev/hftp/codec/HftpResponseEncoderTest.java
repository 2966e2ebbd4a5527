package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire form of every reply, byte for byte as HFTP.md writes it.
 */
class HftpResponseEncoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new HftpResponseEncoder());

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish(), "nothing may be left in the channel");
    }

    private void assertEncoded(HftpResponse response, String expectedWire) {
        assertTrue(channel.writeOutbound(response));
        ByteBuf wire = channel.readOutbound();
        try {
            assertEquals(expectedWire, wire.toString(StandardCharsets.US_ASCII));
            assertEquals(wire.readableBytes(), HftpResponseEncoder.encodedLength(response), "the length counted");
        } finally {
            wire.release();
        }
        assertNull(channel.readOutbound(), "one response, one buffer");
    }

    @Test
    void shouldCountTheLengthOfEveryResponseAsItEncodesIt() {
        for (HftpStatus status : HftpStatus.values()) {
            assertEncoded(HftpResponses.status(status), status.code() + " " + status.message() + "\r\n");
        }
        for (long size : new long[] {0, 1, 9, 10, 99, 100, 999_999, 1_000_000, Long.MAX_VALUE / 10, Long.MAX_VALUE}) {
            assertEncoded(HftpResponses.metadata(size), "0 OK\r\n" + size + "\r\n");
            assertEncoded(HftpResponses.rawSliceHeader(size), "0 OK\r\nContent-Length: " + size + "\r\n\r\n");
        }
        assertEncoded(HftpResponses.fileListing(List.of()), "0 OK\r\n\r\n");
        assertEncoded(HftpResponses.fileListing(List.of("a", "bb.txt")), "0 OK\r\na\r\nbb.txt\r\n\r\n");
    }

    @Test
    void shouldCountABase64LineAsTheChunkedInputWritesIt() {
        for (long size : new long[] {0, 1, 2, 3, 4, 47, 48, 49, 49_151, 49_152, 1_000_000}) {
            assertEquals(java.util.Base64.getEncoder().encodeToString(new byte[(int) size]).length() + 2,
                    Base64ChunkedInput.encodedLength(size), "size " + size);
        }
    }

    @Test
    void shouldEncodeOk() {
        assertEncoded(HftpResponses.ok(), "0 OK\r\n");
    }

    @Test
    void shouldEncodeBadEol() {
        assertEncoded(HftpResponses.status(HftpStatus.BAD_EOL), "100 BAD EOL\r\n");
    }

    @Test
    void shouldEncodeBadRequest() {
        assertEncoded(HftpResponses.status(HftpStatus.BAD_REQUEST), "101 BAD REQUEST\r\n");
    }

    @Test
    void shouldEncodeInternalServerError() {
        assertEncoded(HftpResponses.status(HftpStatus.INTERNAL_ERROR), "199 INTERNAL SERVER ERROR\r\n");
    }

    @Test
    void shouldEncodeNoSuchCommand() {
        assertEncoded(HftpResponses.status(HftpStatus.INVALID_COMMAND), "200 NO SUCH COMMAND\r\n");
    }

    @Test
    void shouldEncodeInvalidArguments() {
        assertEncoded(HftpResponses.status(HftpStatus.INVALID_ARGUMENTS), "201 INVALID ARGUMENTS FOR COMMAND\r\n");
    }

    @Test
    void shouldEncodeFileNotFound() {
        assertEncoded(HftpResponses.status(HftpStatus.FILE_NOT_FOUND), "202 FILE NOT FOUND\r\n");
    }

    @Test
    void shouldEncodeOffsetExceedsFileSize() {
        assertEncoded(HftpResponses.status(HftpStatus.BAD_OFFSET), "203 OFFSET EXCEEDS FILE SIZE\r\n");
    }

    @Test
    void shouldEncodeEmptyListingAsOkAndEmptyLine() {
        assertEncoded(HftpResponses.fileListing(List.of()), "0 OK\r\n\r\n");
    }

    @Test
    void shouldEncodeListingAsOneNamePerLineThenEmptyLine() {
        assertEncoded(HftpResponses.fileListing(List.of("archivo.txt", "b", "A-Z_0.9")),
                "0 OK\r\narchivo.txt\r\nb\r\nA-Z_0.9\r\n\r\n");
    }

    @Test
    void shouldEncodeListingLongerThanInitialBuffer() {
        String name = "n".repeat(255);
        assertEncoded(HftpResponses.fileListing(List.of(name, name, name)),
                "0 OK\r\n" + name + "\r\n" + name + "\r\n" + name + "\r\n\r\n");
    }

    @Test
    void shouldEncodeHelpAsEveryCommandThenEmptyLine() {
        assertEncoded(HftpResponses.help(),
                "0 OK\r\nget_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n");
    }

    @Test
    void shouldEncodeMetadataAsOkAndSize() {
        assertEncoded(HftpResponses.metadata(41), "0 OK\r\n41\r\n");
    }

    @Test
    void shouldEncodeMetadataOfEmptyFile() {
        assertEncoded(HftpResponses.metadata(0), "0 OK\r\n0\r\n");
    }

    @Test
    void shouldEncodeMetadataOfLargestSize() {
        assertEncoded(HftpResponses.metadata(Long.MAX_VALUE), "0 OK\r\n9223372036854775807\r\n");
    }

    @Test
    void shouldEncodeRawSliceHeaderAsOkContentLengthAndEmptyLine() {
        assertEncoded(HftpResponses.rawSliceHeader(20), "0 OK\r\nContent-Length: 20\r\n\r\n");
    }

    @Test
    void shouldEncodeRawSliceHeaderOfEmptySlice() {
        assertEncoded(HftpResponses.rawSliceHeader(0), "0 OK\r\nContent-Length: 0\r\n\r\n");
    }

    @Test
    void shouldPassSliceBytesThroughUnchanged() {
        ByteBuf chunk = Unpooled.copiedBuffer("Y2Fsb3I=\r\n", StandardCharsets.US_ASCII);
        assertTrue(channel.writeOutbound(chunk));
        ByteBuf out = channel.readOutbound();
        try {
            assertSame(chunk, out);
        } finally {
            out.release();
        }
    }

    @Test
    void shouldShareStatusResponses() {
        assertSame(HftpResponses.status(HftpStatus.FILE_NOT_FOUND), HftpResponses.status(HftpStatus.FILE_NOT_FOUND));
        assertSame(HftpResponses.ok(), HftpResponses.status(HftpStatus.OK));
    }
}
