package dev.hftp.codec.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A generator of random values from a {@link SplittableRandom}, with the few combinators that the project's
 * seeded random tests need: the same seed always gives the same value, so a failure names the seed that
 * replays it. Weighted choices ({@link #frequency}) let a generator aim at the edges of a contract.
 *
 * @param <T> what it generates
 */
@FunctionalInterface
public interface Gen<T> {

    T next(SplittableRandom random);

    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return random -> f.apply(next(random));
    }

    /** Lists of {@code min} to {@code max} values, both included. */
    default Gen<List<T>> list(int min, int max) {
        return random -> {
            int n = random.nextInt(min, max + 1);
            List<T> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(next(random));
            }
            return values;
        };
    }

    static <T> Gen<T> just(T value) {
        return random -> value;
    }

    /** One of {@code values}, each as likely. */
    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        Object[] copy = values.clone();
        @SuppressWarnings("unchecked")
        Gen<T> gen = random -> (T) copy[random.nextInt(copy.length)];
        return gen;
    }

    static <T> Gen<T> of(List<T> values) {
        List<T> copy = List.copyOf(values);
        return random -> copy.get(random.nextInt(copy.size()));
    }

    /** The value of one of {@code gens}, each as likely. */
    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return random -> gens[random.nextInt(gens.length)].next(random);
    }

    /** Integers from {@code min} to {@code max}, both included. */
    static Gen<Integer> ints(int min, int max) {
        return random -> random.nextInt(min, max + 1);
    }

    /** Longs from {@code min} to {@code max}, both included ({@code max} below {@link Long#MAX_VALUE}). */
    static Gen<Long> longs(long min, long max) {
        return random -> random.nextLong(min, max + 1);
    }

    /** Strings of {@code min} to {@code max} characters drawn from {@code chars}. */
    static Gen<String> strings(String chars, int min, int max) {
        return random -> {
            int n = random.nextInt(min, max + 1);
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                s.append(chars.charAt(random.nextInt(chars.length())));
            }
            return s.toString();
        };
    }

    /** The characters from {@code first} to {@code last}, both included, for {@link #strings}. */
    static String range(char first, char last) {
        StringBuilder s = new StringBuilder();
        for (char c = first; c <= last; c++) {
            s.append(c);
        }
        return s.toString();
    }

    /** A weighted choice among generators. */
    static <T> Frequency<T> frequency() {
        return new Frequency<>();
    }

    /** A weighted choice, built by {@link #with}: a generator is chosen in proportion to its weight. */
    final class Frequency<T> implements Gen<T> {
        private final List<Gen<? extends T>> gens = new ArrayList<>();
        private final List<Integer> weights = new ArrayList<>();
        private int total;

        private Frequency() { }

        public Frequency<T> with(int weight, Gen<? extends T> gen) {
            if (weight <= 0) {
                throw new IllegalArgumentException("weight: " + weight);
            }
            gens.add(gen);
            weights.add(weight);
            total += weight;
            return this;
        }

        @Override
        public T next(SplittableRandom random) {
            int pick = random.nextInt(total);
            for (int i = 0; i < gens.size(); i++) {
                pick -= weights.get(i);
                if (pick < 0) {
                    return gens.get(i).next(random);
                }
            }
            throw new AssertionError("unreachable: weights sum to " + total);
        }
    }
}
