package dev.hftp.client.cli;

import dev.hftp.codec.HftpFileNames;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

/** The two positional parameters of {@code stat}, {@code cat} and {@code get}: the server, then a file on it. */
final class ServerFile {

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", converter = ServerAddress.Converter.class,
            description = "The server; the port defaults to 19500.")
    ServerAddress server;

    @Parameters(index = "1", paramLabel = "NAME", converter = NameConverter.class,
            description = "The name of the file on the server: letters, digits, '.', '-' and '_'.")
    String name;

    /** A name no HFTP server can serve is a mistake on the command line, said before anything is sent. */
    static final class NameConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!HftpFileNames.isValid(value)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an HFTP file name: HFTP names "
                        + "hold only letters, digits, '.', '-' and '_' (no spaces, no directories)");
            }
            return value;
        }
    }
}
