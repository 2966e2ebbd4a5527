package dev.hftp.client.cli;

import picocli.CommandLine.Parameters;

/** The two positional parameters of {@code stat}, {@code cat} and {@code get}: the server, then a file on it. */
final class ServerFile {

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", converter = ServerAddress.Converter.class,
            description = "The server; the port defaults to 19500.")
    ServerAddress server;

    @Parameters(index = "1", paramLabel = "NAME", description = "The name of the file on the server.")
    String name;
}
