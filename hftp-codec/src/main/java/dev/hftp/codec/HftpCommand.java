package dev.hftp.codec;

import io.netty.buffer.ByteBuf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The commands of HFTP, with their wire names and the number of arguments each takes.
 */
public enum HftpCommand {
    GET_FILE_LISTING("get_file_listing", 0),
    GET_METADATA("get_metadata", 1),
    GET_SLICE("get_slice", 3),
    HELP("help", 0),
    QUIT("quit", 0);

    private static final Map<String, HftpCommand> COMMANDS;
    private static final HftpCommand[] VALUES = values();

    static {
        Map<String, HftpCommand> commands = new LinkedHashMap<>();
        for (HftpCommand command : values()) {
            commands.put(command.wireName, command);
        }
        COMMANDS = Collections.unmodifiableMap(commands);
    }

    private final String wireName;
    private final int arity;

    HftpCommand(String wireName, int arity) {
        this.wireName = wireName;
        this.arity = arity;
    }

    /** The command as it is written on the wire, e.g. {@code get_slice}. */
    public String wireName() {
        return wireName;
    }

    /** The number of arguments the command takes (not counting the optional {@code raw} of a slice). */
    public int arity() {
        return arity;
    }

    /** The command with this exact (case-sensitive) wire name, if there is one. */
    public static Optional<HftpCommand> fromWireName(String wireName) {
        return Optional.ofNullable(COMMANDS.get(wireName));
    }

    /**
     * The command whose wire name is exactly the {@code length} bytes of {@code buf} at {@code index}, or null;
     * for the decoder, which so finds the command without making a string of it.
     */
    static HftpCommand fromWireName(ByteBuf buf, int index, int length) {
        for (HftpCommand command : VALUES) {
            if (command.wireName.length() == length && equalsAscii(buf, index, command.wireName)) {
                return command;
            }
        }
        return null;
    }

    static boolean equalsAscii(ByteBuf buf, int index, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (buf.getByte(index + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
