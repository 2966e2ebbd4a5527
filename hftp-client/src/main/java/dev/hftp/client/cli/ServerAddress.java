package dev.hftp.client.cli;

import dev.hftp.client.HftpClient;
import picocli.CommandLine;

import java.util.Objects;

/**
 * The {@code HOST[:PORT]} argument of every command. An IPv6 literal with a port is written in brackets,
 * {@code [::1]:19500}, as in URLs; a bare IPv6 literal ({@code ::1}) has no port.
 */
record ServerAddress(String host, int port) {

    ServerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 1-65535)");
        }
    }

    /** Parses {@code HOST}, {@code HOST:PORT}, {@code [IPV6]}, {@code [IPV6]:PORT} or a bare {@code IPV6}. */
    static ServerAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' in " + text);
            }
            String rest = text.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("expected ':PORT' after ']' in " + text);
            }
            return new ServerAddress(text.substring(1, close), rest.isEmpty() ? HftpClient.DEFAULT_PORT : port(rest.substring(1)));
        }
        int colon = text.indexOf(':');
        // Two colons or more: an IPv6 literal, which can carry a port only inside brackets.
        if (colon < 0 || text.indexOf(':', colon + 1) >= 0) {
            return new ServerAddress(text, HftpClient.DEFAULT_PORT);
        }
        return new ServerAddress(text.substring(0, colon), port(text.substring(colon + 1)));
    }

    private static int port(String digits) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port '" + digits + "' is not a number from 1 to 65535");
        }
        return Integer.parseInt(digits);
    }

    /** As the user would write it, brackets included for IPv6. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Lets picocli report a bad address as a usage error (exit code 2). */
    static final class Converter implements CommandLine.ITypeConverter<ServerAddress> {
        @Override
        public ServerAddress convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("invalid HOST[:PORT] '" + value + "': " + e.getMessage());
            }
        }
    }
}
