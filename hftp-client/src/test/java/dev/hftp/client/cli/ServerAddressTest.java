package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServerAddressTest {

    @ParameterizedTest(name = "{0} -> {1} port {2}")
    @CsvSource({
        "localhost, localhost, 19500",
        "localhost:2121, localhost, 2121",
        "127.0.0.1, 127.0.0.1, 19500",
        "127.0.0.1:1, 127.0.0.1, 1",
        "example.org:65535, example.org, 65535",
        "[::1]:8080, ::1, 8080",
        "[::1], ::1, 19500",
        "::1, ::1, 19500",
        "fe80::1:2, fe80::1:2, 19500",
    })
    void shouldParseHostAndOptionalPort(String text, String host, int port) {
        assertEquals(new ServerAddress(host, port), ServerAddress.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", ":19500", "host:", "host:0", "host:65536", "host:99999999999", "host:-1",
        "host:12a", "host: 1", "[::1", "[::1]x", "[::1]:", "[]:1"})
    void shouldRejectMalformedAddresses(String text) {
        assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse(text));
    }

    @Test
    void shouldPrintIpv6InBrackets() {
        assertEquals("[::1]:19500", ServerAddress.parse("::1").toString());
        assertEquals("localhost:2121", ServerAddress.parse("localhost:2121").toString());
    }

    @Test
    void shouldReportMalformedAddressAsTypeConversionError() {
        CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class,
                () -> new ServerAddress.Converter().convert("host:x"));
        assertEquals("invalid HOST[:PORT] 'host:x': port 'x' is not a number from 1 to 65535", e.getMessage());
    }
}
