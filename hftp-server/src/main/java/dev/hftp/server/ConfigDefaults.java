package dev.hftp.server;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Option values that the command line does not give, from the environment ({@code HFTP_PORT},
 * {@code HFTP_MAX_CONNECTIONS}, ...) or else from a properties file ({@code port=19500},
 * {@code max-connections=20000}, ...): the command line wins over the environment, which wins over the file,
 * which wins over the built-in defaults. Keys are the options' long names without the dashes.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    /** Options that are actions, not settings: never taken from the environment or a file. */
    static final Set<String> NOT_SETTINGS = Set.of("help", "version", "verbose", "config", "print-config");

    private final Map<String, String> environment;
    private final Properties file;

    ConfigDefaults(Map<String, String> environment, Properties file) {
        this.environment = environment;
        this.file = file;
    }

    /** The settings of {@code path}, a properties file. */
    static Properties load(Path path) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path)) {
            properties.load(reader);
        }
        return properties;
    }

    /** The key of an option: its long name without the dashes, or null for an option that is not a setting. */
    static String key(OptionSpec option) {
        String name = option.longestName();
        if (!name.startsWith("--")) {
            return null;
        }
        String key = name.substring(2);
        return NOT_SETTINGS.contains(key) ? null : key;
    }

    static String environmentVariable(String key) {
        return "HFTP_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The keys of {@code file} that name no option of {@code spec}: a typo there must not pass in silence. */
    Set<String> unknownKeys(CommandLine.Model.CommandSpec spec) {
        Set<String> unknown = new TreeSet<>(file.stringPropertyNames());
        for (OptionSpec option : spec.options()) {
            String key = key(option);
            if (key != null) {
                unknown.remove(key);
            }
        }
        return unknown;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        String key = key(option);
        if (key == null) {
            return null;
        }
        String value = environment.get(environmentVariable(key));
        if (value == null) {
            value = file.getProperty(key);
        }
        if (value == null || value.isBlank() && option.defaultValue() == null) {
            // Empty, a setting that is off unless given (tls-cert=, as --print-config writes it) stays off.
            return null;
        }
        return value.trim();
    }
}
