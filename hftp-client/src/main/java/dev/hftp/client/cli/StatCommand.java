package dev.hftp.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** {@code hftp stat}: the size of a file, in bytes. */
@Command(name = "stat", description = "Prints the size of a served file, in bytes.")
final class StatCommand implements Callable<Integer> {

    @ParentCommand
    private HftpCli cli;

    @Mixin
    private ServerFile file;

    @Override
    public Integer call() throws CliFailure, InterruptedException {
        try (Session session = cli.connector().open(file.server)) {
            long size = session.await(session.client().size(file.name), file.name);
            System.out.println(size);
        }
        System.out.flush();
        return ExitCodes.OK;
    }
}
