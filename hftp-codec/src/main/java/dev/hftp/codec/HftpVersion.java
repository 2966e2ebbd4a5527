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
        return Build.PROPERTIES.getProperty("version", "unknown");
    }

    /**
     * The lines of {@code command --version}: the command and its version, Netty's, the JVM's. Netty's is the one
     * the build used, written beside ours: asking Netty itself ({@code Version.identify()}) initialises much of it
     * and scans the class path, a fifth of a one-request command's start-up, because picocli asks every
     * subcommand's version when it builds the command line.
     */
    public static String[] describe(String command) {
        return new String[] {
            command + " " + version(),
            "Netty " + Build.PROPERTIES.getProperty("netty", "unknown"),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
        };
    }

    /** Read once, when first asked. */
    private static final class Build {
        static final Properties PROPERTIES = load();

        private static Properties load() {
            Properties properties = new Properties();
            try (InputStream in = HftpVersion.class.getResourceAsStream("/hftp-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return properties;
        }
    }
}
