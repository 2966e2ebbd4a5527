package dev.hftp.codec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Walks the chain of an exception's causes, for the server and the client alike: Netty wraps what failed (a
 * {@code DecoderException} around an {@code SSLException}, an {@code ExecutionException} around both), and what
 * to tell a user or a log is usually further in. A chain that loops is walked once.
 */
public final class Causes {

    private Causes() {
    }

    /** {@code t} and its causes, outermost first. */
    public static List<Throwable> chain(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable cause = t; cause != null && seen.add(cause); cause = cause.getCause()) {
            chain.add(cause);
        }
        return chain;
    }

    /** The innermost exception of the chain of {@code t} that is a {@code type}, or null if none is. */
    public static <T extends Throwable> T innermost(Throwable t, Class<T> type) {
        T found = null;
        for (Throwable cause : chain(t)) {
            if (type.isInstance(cause)) {
                found = type.cast(cause);
            }
        }
        return found;
    }

    /** Whether an exception of the chain of {@code t} is a {@code type}. */
    public static boolean has(Throwable t, Class<? extends Throwable> type) {
        return innermost(t, type) != null;
    }

    /** The innermost cause of {@code t}, {@code t} itself if it has none. */
    public static Throwable root(Throwable t) {
        List<Throwable> chain = chain(t);
        return chain.get(chain.size() - 1);
    }
}
