package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangeWriterTest {

    @TempDir
    Path dir;

    /** Two ranges written in any order land at their offsets: nothing to join afterwards. */
    @Test
    void rangesLandAtTheirOffsets() throws IOException {
        Path path = dir.resolve("f.part");
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            RangeWriter second = new RangeWriter(file, new ByteRange(5, 5));
            RangeWriter first = new RangeWriter(file, new ByteRange(0, 5));
            second.write(ascii("fgh"));
            first.write(ascii("abcde"));
            second.write(ascii("ij"));
            assertTrue(first.complete());
            assertTrue(second.complete());
            assertEquals(new ByteRange(5, 5), second.done());
        }
        assertEquals("abcdefghij", Files.readString(path));
    }

    @Test
    void doneFollowsTheWrites() throws IOException {
        try (FileChannel file = FileChannel.open(dir.resolve("f.part"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            RangeWriter writer = new RangeWriter(file, new ByteRange(100, 10));
            assertEquals(new ByteRange(100, 0), writer.done());
            writer.write(ascii("1234"));
            assertEquals(new ByteRange(100, 4), writer.done());
            assertFalse(writer.complete());
            IOException e = assertThrows(IOException.class, () -> writer.write(ascii("1234567")));
            assertTrue(e.getMessage().startsWith("more bytes than the range"), e.getMessage());
            assertEquals(new ByteRange(100, 4), writer.done(), "nothing of a refused write counts");
        }
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }
}
