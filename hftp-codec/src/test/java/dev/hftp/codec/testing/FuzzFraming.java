package dev.hftp.codec.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the fuzz targets read one input of Jazzer's (a byte array): a short header that chooses the line limit
 * and the chunk sizes, then the bytes a peer sends. A fixed framing, rather than Jazzer's
 * {@code FuzzedDataProvider}, keeps the committed corpus readable and easy to write by hand
 * (FuzzCorpusSeeds in the codec tests).
 *
 * <pre>
 * byte 0       the line limit: b + 1 for b below 224 (1 to 224), else 256 + 64 * (b - 224) (256 to 2240)
 * byte 1       low 3 bits: the number of chunk sizes that follow, less one (1 to 8)
 * bytes 2..    the chunk sizes, used in turn: 1 to 255, or 0 for the rest at once
 * the rest     the bytes sent
 * </pre>
 *
 * An input shorter than its header is read as if padded with zero bytes.
 */
public record FuzzFraming(int limit, List<Integer> cuts, byte[] payload) {

    public static final int ALL_AT_ONCE = 1 << 20;

    public static FuzzFraming read(byte[] data) {
        int b0 = at(data, 0);
        int limit = b0 < 224 ? b0 + 1 : 256 + 64 * (b0 - 224);
        int count = (at(data, 1) & 7) + 1;
        List<Integer> cuts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int cut = at(data, 2 + i);
            cuts.add(cut == 0 ? ALL_AT_ONCE : cut);
        }
        int header = 2 + count;
        byte[] payload = data.length > header ? Arrays.copyOfRange(data, header, data.length) : new byte[0];
        return new FuzzFraming(limit, cuts, payload);
    }

    /** The input that {@link #read} reads as {@code limit} (a value it can give), {@code cuts} and {@code payload}. */
    public static byte[] write(int limit, List<Integer> cuts, byte[] payload) {
        int b0 = limit <= 224 ? limit - 1 : 224 + (limit - 256) / 64;
        if (limit < 1 || limit > 224 && (limit - 256) % 64 != 0 || b0 > 255) {
            throw new IllegalArgumentException("no header gives the limit " + limit);
        }
        if (cuts.isEmpty() || cuts.size() > 8) {
            throw new IllegalArgumentException("1 to 8 chunk sizes: " + cuts);
        }
        byte[] data = new byte[2 + cuts.size() + payload.length];
        data[0] = (byte) b0;
        data[1] = (byte) (cuts.size() - 1);
        for (int i = 0; i < cuts.size(); i++) {
            int cut = cuts.get(i);
            if (cut != ALL_AT_ONCE && (cut < 1 || cut > 255)) {
                throw new IllegalArgumentException("a chunk size is 1 to 255, or ALL_AT_ONCE: " + cut);
            }
            data[2 + i] = (byte) (cut == ALL_AT_ONCE ? 0 : cut);
        }
        System.arraycopy(payload, 0, data, 2 + cuts.size(), payload.length);
        return data;
    }

    private static int at(byte[] data, int i) {
        return i < data.length ? data[i] & 0xff : 0;
    }
}
