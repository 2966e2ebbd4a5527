package dev.hftp.server.cli;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.HftpServerConfig;
import dev.hftp.server.InvalidSettingException;
import dev.hftp.server.HftpTransport;
import dev.hftp.server.metrics.MetricsHttpHandler;
import dev.hftp.server.proxy.ProxyProtocolPeers;

import dev.hftp.codec.HftpVersion;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The {@code hftp-server} command: serves a directory over HFTP until interrupted.
 */
@Command(name = "hftp-server", mixinStandardHelpOptions = true, versionProvider = HftpServerMain.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Serves the files of a directory over HFTP (Home-made File Transfer Protocol).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by a signal (SIGINT, SIGTERM); at the latest --shutdown-grace + 7 s after it",
            "1:could not start (directory missing, address in use, TLS certificate or key unusable, ...)",
            "2:invalid command line"})
public final class HftpServerMain implements Callable<Integer> {

    @CommandLine.Mixin
    private ServerOptions options;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Settings from a properties file (port=19500, ...) or a YAML one (FILE.yaml: "
                    + "port: 19500). Precedence: command line, then environment (HFTP_PORT, "
                    + "HFTP_MAX_CONNECTIONS, ...), then this file.")
    private Path config;

    @Option(names = "--print-config",
            description = "Print the effective settings (properties, usable as --config), check them as a start "
                    + "would (directory, TLS files; not the port) and exit: 0 if the server would start.")
    private boolean printConfig;

    @Option(names = {"-v", "--verbose"},
            description = "More logging: -v for DEBUG (one line per connection), -vv for TRACE.")
    private boolean[] verbosity = new boolean[0];

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Where option values not on the command line came from; set before the command runs. */
    private ConfigDefaults defaults;

    public static void main(String[] args) {
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        System.exit(run(args, System.getenv()));
    }

    /** Runs the command with {@code environment} as the process's environment; returns the exit code. */
    static int run(String[] args, Map<String, String> environment) {
        return commandLine(args, environment, new PrintWriter(System.out), new PrintWriter(System.err));
    }

    static int commandLine(String[] args, Map<String, String> environment, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new HftpServerMain()).setCaseInsensitiveEnumValuesAllowed(true)
                .registerConverter(ProxyProtocolPeers.class, HftpServerMain::proxyProtocolPeers);
        commandLine.setOut(out);
        commandLine.setErr(err);
        Properties file = new Properties();
        Path configFile = configFile(args);
        if (configFile != null) {
            try {
                file = ConfigDefaults.load(configFile);
            } catch (IOException | IllegalArgumentException e) {
                err.println("hftp-server: cannot read the config file " + configFile + ": " + describe(e));
                err.flush();
                return 2;
            }
        }
        ConfigDefaults defaults = new ConfigDefaults(environment, file, configFile);
        Set<String> unknown = defaults.unknownKeys(commandLine.getCommandSpec());
        if (!unknown.isEmpty()) {
            err.println("hftp-server: unknown settings in " + configFile + ": " + String.join(", ", unknown));
            err.flush();
            return 2;
        }
        commandLine.setDefaultValueProvider(defaults);
        commandLine.setParameterExceptionHandler((e, arguments) -> usageError(e, defaults));
        HftpServerMain main = commandLine.getCommand();
        main.defaults = defaults;
        return commandLine.execute(args);
    }

    /**
     * A value or an option picocli refused: one line naming where the value came from (the file, the variable) or,
     * for the command line, what was wrong and where to read more; not the whole usage, which would hide it.
     */
    private static int usageError(CommandLine.ParameterException e, ConfigDefaults defaults) {
        PrintWriter err = e.getCommandLine().getErr();
        String source = e.getArgSpec() instanceof CommandLine.Model.OptionSpec option ? defaults.sourceOf(option) : null;
        if (source != null) {
            CommandLine.Model.OptionSpec option = (CommandLine.Model.OptionSpec) e.getArgSpec();
            String message = e.getMessage();
            int reason = message.indexOf("': ");
            err.println("hftp-server: " + source + ": " + ConfigDefaults.key(option) + ": "
                    + (reason >= 0 ? message.substring(reason + 3) : message));
        } else {
            err.println("hftp-server: " + e.getMessage());
            err.println("Try 'hftp-server --help' for more information.");
        }
        err.flush();
        return 2;
    }

    private static ProxyProtocolPeers proxyProtocolPeers(String value) {
        try {
            return ProxyProtocolPeers.parse(value);
        } catch (IllegalArgumentException e) {
            // Picocli puts this message after "Invalid value for option '--proxy-protocol-from': ".
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e instanceof IllegalArgumentException ? e.getMessage() : e.toString();
    }

    /** The file of {@code --config FILE} or {@code --config=FILE}, read before the other options are parsed. */
    private static Path configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        HftpServerBootstrap bootstrap = options.bootstrap();
        HftpServerConfig config;
        try {
            config = bootstrap.config();
        } catch (InvalidSettingException e) {
            // A value the server cannot run with is a usage error, named where it came from: the option, the
            // variable or the file.
            CommandLine.Model.OptionSpec option = spec.findOption(ServerOptions.optionName(e.setting()));
            String source = option == null || defaults == null ? null : defaults.sourceOf(option);
            err.println("hftp-server: " + (source == null ? e.describe(ServerOptions::optionName)
                    : source + ": " + e.describe(setting -> ConfigDefaults.key(spec.findOption(ServerOptions.optionName(setting))))));
            err.flush();
            return 2;
        }
        if (printConfig) {
            printConfig(spec.commandLine().getOut());
            // Then checked as a start would (directory, TLS files): exit code 0 means it would start.
            try {
                bootstrap.check();
                return 0;
            } catch (IOException e) {
                return cannotStart(err, config, e);
            }
        }
        if (verbosity.length > 0) {
            Configurator.setLevel("dev.hftp", verbosity.length == 1 ? Level.DEBUG : Level.TRACE);
        }
        HftpServer server;
        try {
            server = bootstrap.start();
        } catch (IOException e) {
            return cannotStart(err, config, e);
        }
        ShutdownWatchdog watchdog = new ShutdownWatchdog(ShutdownWatchdog.deadlineAfter(config.shutdownGrace()));
        Runnable stop = () -> {
            watchdog.start();
            server.close();
        };
        stopOnSignals(new SignalStop(server, config.shutdownGrace(), watchdog, stop));
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "hftp-shutdown"));
        // Through the log like every other line of a running server: dated, and where the operator sends the rest.
        // The logger is taken here, after main has chosen log4j2 for Netty's logging facade.
        InternalLogger logger = InternalLoggerFactory.getInstance(HftpServerMain.class);
        logger.info("Serving {} on {}:{}{}", server.directory(), config.address(), server.port(),
                server.isTls() ? " over TLS" : "");
        if (server.metricsAddress() != null) {
            logger.info("Metrics at http://{}:{}{}", config.metricsAddress(), server.metricsAddress().getPort(),
                    MetricsHttpHandler.PATH);
        }
        server.awaitClose();
        return 0;
    }

    /** The one line of a start that failed, and its exit code, 1. */
    private static int cannotStart(PrintWriter err, HftpServerConfig config, IOException e) {
        if (e instanceof NoSuchFileException) {
            err.println("hftp-server: directory not found: " + config.directory());
        } else if (e instanceof NotDirectoryException) {
            err.println("hftp-server: not a directory: " + config.directory());
        } else {
            // A port in use arrives here as a BindException, with the address in its message.
            err.println("hftp-server: " + e.getMessage());
        }
        err.flush();
        return 1;
    }

    /** Every setting with its effective value, as {@code key=value} lines a config file can hold. */
    private void printConfig(PrintWriter out) {
        for (CommandLine.Model.OptionSpec option : spec.options()) {
            String key = ConfigDefaults.key(option);
            if (key == null || option.hidden()) {
                continue;
            }
            Object value = option.getValue();
            if (option.longestName().equals("--transport") && value == null) {
                value = HftpTransport.best();
            }
            String text = value == null ? "" : value.toString();
            out.println(key + "=" + (value instanceof Enum<?> ? text.toLowerCase(java.util.Locale.ROOT) : text));
        }
        out.flush();
    }

    /**
     * SIGTERM and SIGINT close the server and let {@code main} return normally, so the exit code is 0;
     * a shutdown hook alone would leave the JVM to exit with 128 + the signal number.
     */
    @SuppressWarnings("sunapi")
    private static void stopOnSignals(SignalStop stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.on(signal.getName(), signal.getNumber()));
            } catch (IllegalArgumentException e) {
                // This platform has no such signal; the shutdown hook still closes the server.
            }
        }
    }

    /** {@code hftp-server}, its version, Netty's and the JVM's. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return HftpVersion.describe("hftp-server");
        }
    }
}
