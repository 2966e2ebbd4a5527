package dev.hftp.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code hftp stat}: the size of a file, in bytes. */
@Command(name = "stat", description = "Prints the size of a served file, in bytes.")
final class StatCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", converter = ServerAddress.Converter.class,
            description = "The server; the port defaults to 19500.")
    private ServerAddress server;

    @Parameters(index = "1", paramLabel = "NAME", description = "The name of the file on the server.")
    private String name;

    @Override
    public Integer call() throws CliFailure, InterruptedException {
        try (Session session = Session.open(server)) {
            long size = session.await(session.client().size(name), name);
            System.out.println(size);
        }
        System.out.flush();
        return ExitCodes.OK;
    }
}
