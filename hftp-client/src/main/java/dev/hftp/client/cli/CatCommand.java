package dev.hftp.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code hftp cat}: the bytes of a file on stdout. */
@Command(name = "cat", description = "Writes the bytes of a served file to stdout (raw slices, no decoding).")
final class CatCommand implements Callable<Integer> {

    @ParentCommand
    private HftpCli cli;

    @Mixin
    private ServerFile file;

    @Override
    public Integer call() throws CliFailure, InterruptedException {
        // Straight to file descriptor 1: System.out would buffer, and encode nothing useful for bytes.
        FailureRecordingChannel stdout = new FailureRecordingChannel(new FileOutputStream(FileDescriptor.out).getChannel());
        try (Session session = cli.connector().open(file.server)) {
            long size = session.await(session.client().size(file.name), file.name);
            try {
                session.await(session.client().slice(file.name, 0, size, stdout, true, null), file.name);
            } catch (CliFailure failure) {
                if (stdout.failure() != null && isBrokenPipe(stdout.failure())) {
                    // The reader stopped reading (`hftp cat ... | head`): not an error, as for any Unix filter.
                    return ExitCodes.OK;
                }
                if (stdout.failure() != null) {
                    throw CliFailure.localFile(Path.of("stdout"), stdout.failure());
                }
                throw failure;
            }
        }
        return ExitCodes.OK;
    }

    private static boolean isBrokenPipe(Throwable failure) {
        String message = failure.getMessage();
        return message != null && message.contains("Broken pipe");
    }
}
