package dev.hftp.codec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HftpVersionTest {

    @Test
    void shouldGiveTheBuildsVersionThenNettysAndTheJvms() {
        String[] lines = HftpVersion.describe("hftp");
        assertEquals(3, lines.length);
        assertTrue(lines[0].matches("hftp \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines[0]);
        // The build's Netty is the one on the class path: the version Netty reports of itself.
        assertEquals("Netty " + io.netty.util.Version.identify().get("netty-common").artifactVersion(), lines[1]);
        assertTrue(lines[2].startsWith("Java " + System.getProperty("java.version")), lines[2]);
    }
}
