package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DownloadRecordTest {

    @TempDir
    Path dir;

    @Test
    void rangesAreMergedAndTheGapsAreWhatIsMissing() {
        DownloadRecord record = new DownloadRecord("127.0.0.1:19500", "f", 100,
                List.of(new ByteRange(50, 10), new ByteRange(0, 20), new ByteRange(20, 5), new ByteRange(55, 10),
                        new ByteRange(90, 0)));
        assertEquals(List.of(new ByteRange(0, 25), new ByteRange(50, 15)), record.done());
        assertEquals(40, record.doneBytes());
        assertEquals(List.of(new ByteRange(25, 25), new ByteRange(65, 35)), record.missing());
    }

    @Test
    void anEmptyRecordMissesTheWholeFileAndAnEmptyFileMissesNothing() {
        assertEquals(List.of(new ByteRange(0, 7)), DownloadRecord.empty("h:1", "f", 7).missing());
        assertEquals(List.of(), DownloadRecord.empty("h:1", "f", 0).missing());
    }

    @Test
    void aShorterPartFileCutsWhatIsDone() {
        DownloadRecord record = new DownloadRecord("h:1", "f", 100, List.of(new ByteRange(0, 30), new ByteRange(60, 20)));
        assertEquals(List.of(new ByteRange(0, 30), new ByteRange(60, 5)), record.truncatedTo(65).done());
        assertEquals(List.of(new ByteRange(0, 10)), record.truncatedTo(10).done());
    }

    @Test
    void aRangePastTheSizeIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new DownloadRecord("h:1", "f", 10, List.of(new ByteRange(5, 6))));
    }

    @Test
    void writtenAndReadBackTheSame() throws IOException {
        Path file = dir.resolve("big.bin.hftp");
        DownloadRecord record = new DownloadRecord("[::1]:19500", "big.bin", 1L << 40,
                List.of(new ByteRange(0, 1 << 20), new ByteRange(1L << 39, 12345)));
        record.write(file);
        assertEquals(Optional.of(record), DownloadRecord.read(file));
        assertTrue(Files.readString(file).startsWith(DownloadRecord.HEADER + "\n"));
        assertEquals(List.of("big.bin.hftp"), names(), "the temporary file is renamed, not left");
    }

    @Test
    void noFileIsNoRecord() throws IOException {
        assertEquals(Optional.empty(), DownloadRecord.read(dir.resolve("none.hftp")));
    }

    /** Someone else's FILE.hftp must never be taken for ours, or overwritten. */
    @Test
    void aFileThatIsNotARecordIsAnError() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.hftp"), "my notes\n");
        IOException e = assertThrows(IOException.class, () -> DownloadRecord.read(file));
        assertEquals("not a download record of hftp (delete or move it)", e.getMessage());
        Path cut = Files.writeString(dir.resolve("cut.hftp"), DownloadRecord.HEADER + "\nserver h:1\nsize x\n",
                StandardCharsets.UTF_8);
        assertThrows(IOException.class, () -> DownloadRecord.read(cut));
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
