package dev.hftp.client.cli;

import dev.hftp.client.HftpClient;
import dev.hftp.client.HftpClientTls;
import dev.hftp.client.check.CheckTls;
import dev.hftp.codec.HftpVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The {@code hftp} command: lists, inspects and downloads the files of an HFTP server. */
@Command(name = "hftp", mixinStandardHelpOptions = true, versionProvider = HftpCli.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        usageHelpAutoWidth = true,
        description = "Lists, inspects and downloads the files of an HFTP server, and checks a server against the protocol.")
public final class HftpCli implements Runnable {

    private static final String NETTY_JFR = "io.netty.jfr.enabled";
    /** How long the exit waits for the client's threads to stop: they have nothing left to do by then. */
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(1);

    /** The subcommands, in the order the usage lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("ls", ListCommand::new);
        all.put("stat", StatCommand::new);
        all.put("cat", CatCommand::new);
        all.put("get", GetCommand::new);
        all.put("check", CheckCommand::new);
        all.put("help", CommandLine.HelpCommand::new);
        return Collections.unmodifiableMap(all);
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private TlsOptions tlsOptions;

    @CommandLine.Mixin
    private TimeoutOptions timeoutOptions;

    /** How every connection of the command is made: its TLS (or plaintext) and timeouts. */
    Connector connector() throws CliFailure {
        return new Connector(tlsOptions.clientTls(), timeoutOptions.timeouts());
    }

    /** The timeouts of the command's connections. */
    HftpClient.Timeouts timeouts() throws CliFailure {
        return timeoutOptions.timeouts();
    }

    /** The TLS of {@code hftp check}'s own sockets, or null for plaintext. */
    CheckTls checkTls() throws CliFailure {
        return tlsOptions.checkTls();
    }

    /** The TLS of every connection of the command, or null for plaintext. */
    HftpClientTls tls() throws CliFailure {
        return tlsOptions.clientTls();
    }

    public static void main(String[] args) {
        // Netty registers its JFR events as it starts: about a tenth of a one-request command's time (JFR classes
        // loaded and event handlers generated), for recordings nobody makes of a command line. Still on if asked.
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        if (namesAConnectingCommand(args)) {
            // Netty readies itself on the other core while picocli reads the arguments: both take a tenth of a second.
            HftpClient.prepareInBackground();
        }
        int code = commandLine(args).execute(args);
        HftpClient.shutdownSharedThreads(SHUTDOWN_TIMEOUT);
        System.exit(code);
    }

    /** The command line with every subcommand, its exit codes and its error printing set up; for the tests. */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: with only the subcommands they name, when they name one other than
     * {@code help}, else with all of them (the usage lists them, and a mistyped one gets suggestions). picocli reads
     * the annotations of every subcommand it is given, a tenth of a one-request command's start-up for four unused.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine commandLine = new CommandLine(new HftpCli());
        Set<String> named = new HashSet<>(List.of(args));
        boolean some = named.stream().anyMatch(SUBCOMMANDS::containsKey) && !named.contains("help");
        SUBCOMMANDS.forEach((name, command) -> {
            if (!some || named.contains(name)) {
                commandLine.addSubcommand(name, command.get());
            }
        });
        for (CommandLine command : withSubcommands(commandLine)) {
            command.getCommandSpec().usageMessage()
                    .exitCodeListHeading("%nExit codes:%n")
                    .exitCodeList(ExitCodes.descriptions());
            // picocli's code for usage errors is already 2 (ExitCodes.USAGE).
            command.setExecutionExceptionHandler(HftpCli::printFailure);
            command.setParameterExceptionHandler(HftpCli::printUsageError);
        }
        return commandLine;
    }

    /** Whether {@code args} name a subcommand that connects to a server, and no help. */
    static boolean namesAConnectingCommand(String[] args) {
        Set<String> named = new HashSet<>(List.of(args));
        // check speaks through its own sockets, without Netty.
        return named.stream().anyMatch(SUBCOMMANDS::containsKey) && !named.contains("help") && !named.contains("check")
                && !named.contains("--help") && !named.contains("-h");
    }

    private static List<CommandLine> withSubcommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        all.add(root);
        all.addAll(root.getSubcommands().values());
        return all;
    }

    /** {@code hftp} alone: what it can do. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /**
     * A mistake on the command line: what is wrong, and where to read more, in two lines (the whole usage would
     * push the mistake off the screen).
     */
    private static int printUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("hftp: " + e.getMessage());
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return ExitCodes.USAGE;
    }

    /** One line, {@code hftp: ...}, never a stack trace: the user can act on the line, not on the trace. */
    private static int printFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        System.out.flush();
        if (e instanceof CliFailure failure) {
            err.println("hftp: " + failure.getMessage());
            err.flush();
            return failure.exitCode();
        }
        // A bug of ours; still one line, with the exception's class, which is what a report needs.
        err.println("hftp: internal error: " + e);
        err.flush();
        return ExitCodes.SERVER_ERROR;
    }

    /** {@code hftp}, its version, Netty's and the JVM's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return HftpVersion.describe("hftp");
        }
    }
}
