package dev.hftp.client.cli;

import dev.hftp.client.check.CheckTls;
import dev.hftp.client.check.ConformanceCheck;
import dev.hftp.client.check.DataSet;
import dev.hftp.client.check.ReportFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code hftp check}: tests any HFTP server against the contract, case by case. */
@Command(name = "check", description = {
        "Tests an HFTP server against the protocol's contract, case by case: PASS, FAIL (with what was sent, "
                + "expected and received), SKIP, or INFO where only this project's docs decide.",
        "The server must serve the data set that --make-data writes: run hftp check --make-data DIR first, and "
                + "serve DIR."})
final class CheckCommand implements Callable<Integer> {

    @ParentCommand
    private HftpCli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST[:PORT]", converter = ServerAddress.Converter.class,
            description = "The server to check; the port defaults to 19500.")
    private ServerAddress server;

    @Option(names = "--make-data", paramLabel = "DIR",
            description = "Write the data set the check expects into DIR (created if missing), then exit; takes "
                    + "no HOST.")
    private Path makeData;

    @Option(names = "--only", paramLabel = "GROUP", split = ",",
            description = "Run only these groups: listing, metadata, slice, errors, framing, robustness, isolation, "
                    + "extensions, concurrency, info.")
    private List<String> only = List.of();

    @Option(names = "--skip-extensions",
            description = "Leave out the extensions (help, raw slices): for servers of the classic contract.")
    private boolean skipExtensions;

    @Option(names = "--json", description = "Print the report as one JSON object, for graders' programs.")
    private boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Show the bytes sent and received for the cases that passed and the INFO ones too (a "
                    + "failure always shows them).")
    private boolean verbose;

    @Option(names = "--case-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long one case may take before it fails (default: ${DEFAULT-VALUE}).")
    private long caseTimeoutSeconds;

    @Override
    public Integer call() throws CliFailure {
        if (makeData != null) {
            if (server != null) {
                throw new CliFailure(ExitCodes.USAGE, "check: --make-data DIR writes the data set and takes no "
                        + "HOST; run the check itself without it");
            }
            return makeData();
        }
        if (server == null) {
            throw new CliFailure(ExitCodes.USAGE, "check: give the server to check (HOST[:PORT]), or --make-data DIR");
        }
        if (caseTimeoutSeconds <= 0) {
            throw new CliFailure(ExitCodes.USAGE, "check: --case-timeout takes a number of seconds above 0");
        }
        Set<String> groups;
        try {
            groups = ConformanceCheck.groups(only, skipExtensions);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.USAGE, "check: --only: " + e.getMessage());
        }
        CheckTls tls = cli.checkTls();
        ConformanceCheck.Report report;
        try {
            report = ConformanceCheck.run(new ConformanceCheck.Settings(server.host(), server.port(),
                    tls == null ? null : tls.sockets(), tls != null && tls.checksHost(), groups,
                    Duration.ofSeconds(caseTimeoutSeconds), cli.timeouts().connect()));
        } catch (ConformanceCheck.UnreachableException e) {
            throw new CliFailure(ExitCodes.CONNECTION, "check: " + e.getMessage());
        }
        System.out.print(json ? ReportFormat.json(report) + "\n" : ReportFormat.text(report, verbose));
        System.out.flush();
        return report.passed() ? ExitCodes.OK : ExitCodes.SERVER_ERROR;
    }

    private int makeData() throws CliFailure {
        try {
            DataSet.write(makeData);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.LOCAL_FILE, "check: cannot write the data set in " + makeData + ": "
                    + e.getMessage());
        }
        System.out.println("hftp check: the data set is in " + makeData + "; serve that directory, then run "
                + "hftp check HOST[:PORT]");
        return ExitCodes.OK;
    }
}
