package dev.hftp.server;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A setting of {@link HftpServerConfig} that the server cannot run with. Its message names settings as the
 * bootstrap's methods do ({@code maxConnections: 0 (expected: > 0)}); {@link #describe} names them otherwise, as
 * the command line's options ({@code --max-connections: 0 (expected: > 0)}).
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("\\{(\\w+)}");

    private final String setting;
    /** The problem, with each setting it names in braces. */
    private final String template;

    InvalidSettingException(String setting, String template) {
        super(describe(template, UnaryOperator.identity()));
        this.setting = setting;
        this.template = template;
    }

    /** The setting at fault, as the bootstrap's method is named ({@code maxConnections}). */
    public String setting() {
        return setting;
    }

    /** The problem, each setting it names given by {@code name} (from the bootstrap's method name). */
    public String describe(UnaryOperator<String> name) {
        return describe(template, name);
    }

    private static String describe(String template, UnaryOperator<String> name) {
        Matcher matcher = NAME.matcher(template);
        StringBuilder text = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(text, Matcher.quoteReplacement(name.apply(matcher.group(1))));
        }
        matcher.appendTail(text);
        return text.toString();
    }
}
