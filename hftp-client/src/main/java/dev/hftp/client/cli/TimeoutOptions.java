package dev.hftp.client.cli;

import dev.hftp.client.HftpClient;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.time.Duration;

/** How long {@code hftp} waits, accepted before the command or after it, as curl's and wget's options are. */
final class TimeoutOptions {

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, defaultValue = "10",
            description = "Give up on a server that does not accept the connection within this (default: "
                    + "${DEFAULT-VALUE}).")
    long connectSeconds;

    @Option(names = "--timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, defaultValue = "30",
            description = "Give up on a server that sends nothing for this long while it owes a reply; a slow "
                    + "transfer that keeps sending never times out (default: ${DEFAULT-VALUE}).")
    long replySeconds;

    /** The timeouts of the connections; one not above zero is a usage error. */
    HftpClient.Timeouts timeouts() throws CliFailure {
        if (connectSeconds <= 0 || replySeconds <= 0) {
            throw new CliFailure(ExitCodes.USAGE, "--connect-timeout and --timeout take a number of seconds above 0");
        }
        return new HftpClient.Timeouts(Duration.ofSeconds(connectSeconds), Duration.ofSeconds(replySeconds));
    }
}
