package dev.hftp.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this HFTP implementation, which its modules share, and what a command's {@code --version}
 * prints with it: the version of Netty and of the JVM.
 */
public final class HftpVersion {

    private HftpVersion() {
    }

    /** The version Maven wrote into the codec's jar, or {@code unknown} outside of a build. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = HftpVersion.class.getResourceAsStream("/hftp-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version", "unknown");
    }

    /** The lines of {@code command --version}: the command and its version, Netty's, the JVM's. */
    public static String[] describe(String command) {
        io.netty.util.Version common = io.netty.util.Version.identify().get("netty-common");
        return new String[] {
            command + " " + version(),
            "Netty " + (common == null ? "unknown" : common.artifactVersion()),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
        };
    }
}
