package dev.hftp.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code hftp ls}: the served files, one name per line, sorted. */
@Command(name = "ls", description = "Lists the files the server serves, one name per line, sorted.")
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    private HftpCli cli;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", converter = ServerAddress.Converter.class,
            description = "The server; the port defaults to 19500.")
    private ServerAddress server;

    @Override
    public Integer call() throws CliFailure, InterruptedException {
        try (Session session = cli.connector().open(server)) {
            List<String> names = session.await(session.client().list(), server.toString());
            // The server lists in any order; sorted, the output can be compared and diffed.
            names.stream().sorted().forEach(System.out::println);
        }
        System.out.flush();
        return ExitCodes.OK;
    }
}
