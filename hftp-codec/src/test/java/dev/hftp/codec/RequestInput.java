package dev.hftp.codec;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Request bytes for the decoders, the line limit of the limited decoder, and the sizes of the chunks they
 * arrive in (used in turn).
 */
record RequestInput(byte[] bytes, int limit, List<Integer> cuts) {

    RequestInput {
        if (limit < 1 || cuts.isEmpty() || cuts.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("limit " + limit + ", cuts " + cuts);
        }
        cuts = List.copyOf(cuts);
    }

    @Override
    public String toString() {
        return "RequestInput[limit=" + limit + ", cuts=" + cuts + ", " + bytes.length + " bytes "
                + show(bytes) + "]";
    }

    static String show(byte[] bytes) {
        return Escape.of(new String(bytes, StandardCharsets.ISO_8859_1));
    }
}
