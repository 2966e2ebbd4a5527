package dev.hftp.codec;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Factories for {@link HftpResponse}s; status replies are shared instances.
 */
public final class HftpResponses {

    private static final Map<HftpStatus, HftpResponse.Status> STATUSES = new EnumMap<>(HftpStatus.class);
    private static final HftpResponse.Lines HELP;

    static {
        for (HftpStatus status : HftpStatus.values()) {
            STATUSES.put(status, new HftpResponse.Status(status));
        }
        List<String> names = new ArrayList<>();
        for (HftpCommand command : HftpCommand.values()) {
            names.add(command.wireName());
        }
        HELP = new HftpResponse.Lines(names);
    }

    private HftpResponses() { }

    /** {@code 0 OK} alone: the reply to {@code quit}, and the status line before a base64 slice. */
    public static HftpResponse.Status ok() {
        return STATUSES.get(HftpStatus.OK);
    }

    /** A status line alone. */
    public static HftpResponse.Status status(HftpStatus status) {
        return STATUSES.get(status);
    }

    /** The reply to {@code get_file_listing}. */
    public static HftpResponse.Lines fileListing(List<String> names) {
        return new HftpResponse.Lines(names);
    }

    /** The reply to {@code help}: every command's wire name. */
    public static HftpResponse.Lines help() {
        return HELP;
    }

    /** The reply to {@code get_metadata}. */
    public static HftpResponse.Metadata metadata(long size) {
        return new HftpResponse.Metadata(size);
    }

    /** The status and header that come before the bytes of a raw slice. */
    public static HftpResponse.RawSliceHeader rawSliceHeader(long size) {
        return new HftpResponse.RawSliceHeader(size);
    }
}
