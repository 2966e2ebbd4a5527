package dev.hftp.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code hftp get}: downloads a file; see {@link Download}. */
@Command(name = "get", sortOptions = false,
        description = {"Downloads a served file, over several connections at once with -j.",
            "An interrupted download continues when the same command is run again.",
            "Progress goes to stderr: a bar on a terminal, else a line every few seconds."})
final class GetCommand implements Callable<Integer> {

    @ParentCommand
    private HftpCli cli;

    @Mixin
    private ServerFile file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the file (default: NAME in the current directory).")
    private Path output;

    @Option(names = {"-j", "--connections"}, paramLabel = "N", defaultValue = "1",
            description = "Connections in parallel, each fetching its own range of at least 1 MiB "
                    + "(default: ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--no-continue",
            description = "Start over even if FILE.hftp records an interrupted download of the same name and size "
                    + "(by default it continues from FILE.part).")
    private boolean noContinue;

    /** Continuing is the default now; kept so that scripts written for it still run. */
    @Option(names = {"-c", "--continue", "--resume"}, hidden = true)
    private boolean continueAnyway;

    @Option(names = "--raw", description = "Ask for raw slices instead of base64 (the course's client uses base64).")
    private boolean raw;

    @Option(names = {"-q", "--quiet"}, description = "No progress and no summary.")
    private boolean quiet;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws CliFailure, InterruptedException {
        if (connections < 1 || connections > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--connections': " + connections + " (expected: 1-64)");
        }
        Path target = output != null ? output : Path.of(file.name);
        new Download(file.server, cli.connector(), file.name, target, connections, !noContinue, raw, Progress.Style.detect(quiet),
                System.err).run();
        return ExitCodes.OK;
    }
}
