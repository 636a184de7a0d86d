package org.pot4j.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.pot4j.api.Pot4jException;

/**
 * A bounded, deterministic fuzz loop for parsers of untrusted bytes, for CI: every seed, then
 * mutations of the seeds (bit flips, interesting byte values, truncation, repeated or removed
 * slices, random insertions, splices of two seeds). The rule every parser must keep: an input may
 * be accepted or rejected with a {@link Pot4jException}; any other exception or error, or an input
 * taking longer than {@link #SLOW_MILLIS}, is a finding. Findings are written to
 * {@code target/fuzz-findings/<name>-<n>.bin} and fail the test.
 *
 * <p>The same targets run coverage-guided under Jazzer's {@code @FuzzTest}; this loop is what runs on
 * every build. {@code -Dpot4j.fuzz.executions=N} runs N inputs per parser instead of the default.
 */
public final class FuzzInputs {
    /** An input taking longer than this (ms) counts as a hang (generous: CI machines are shared and noisy). */
    public static final long SLOW_MILLIS = 30_000;

    private static final byte[] INTERESTING = {0, 1, -1, 0x7f, (byte) 0x80, 0x20, 0x0a, '\'', '"', '(', ')', '{', '}', ',', ':'};

    private FuzzInputs() {
    }

    /**
     * Runs one input the way a {@code @FuzzTest} must: a {@link Pot4jException} is the expected way
     * to reject it; anything else escapes and is a finding.
     */
    public static void rejectOnlyWithPot4jException(Runnable parse) {
        try {
            parse.run();
        } catch (Pot4jException expected) {
            // a clear rejection
        }
    }

    /** Inputs per parser: {@code -Dpot4j.fuzz.executions}, else {@code defaultCount}. */
    public static int executions(int defaultCount) {
        return Integer.getInteger("pot4j.fuzz.executions", defaultCount);
    }

    /**
     * Runs {@code target} over the seeds and {@code count - seeds} mutations of them.
     *
     * @return the number of inputs run
     * @throws AssertionError listing the findings
     */
    public static int run(String name, List<byte[]> seeds, int count, long randomSeed, Consumer<byte[]> target) {
        Random r = new Random(randomSeed);
        List<String> findings = new ArrayList<>();
        int runs = 0;
        for (int i = 0; i < count; i++) {
            byte[] input = i < seeds.size() ? seeds.get(i) : mutate(seeds, r);
            runs++;
            if (SAVE_CURRENT) {
                saveCurrent(name, input);
            }
            long start = System.nanoTime();
            try {
                target.accept(input);
            } catch (Pot4jException expected) {
                // a clear rejection is what a bad input should get
            } catch (Throwable t) {
                findings.add(record(name, findings.size(), input, t));
                if (findings.size() >= 5) {
                    break;
                }
                continue;
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (ms > SLOW_MILLIS) {
                findings.add(record(name, findings.size(), input, new AssertionError("took " + ms + " ms")));
            }
        }
        if (!findings.isEmpty()) {
            throw new AssertionError(name + ": " + findings.size() + " finding(s) in " + runs + " inputs:\n"
                    + String.join("\n", findings));
        }
        return runs;
    }

    /** One mutation of a random seed. */
    public static byte[] mutate(List<byte[]> seeds, Random r) {
        byte[] in = seeds.get(r.nextInt(seeds.size())).clone();
        int steps = 1 + r.nextInt(4);
        for (int s = 0; s < steps; s++) {
            int len = in.length;
            switch (r.nextInt(8)) {
                case 0, 1 -> {
                    if (len > 0) {
                        int p = r.nextInt(len);
                        in[p] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 2 -> {
                    if (len > 0) {
                        in[r.nextInt(len)] = INTERESTING[r.nextInt(INTERESTING.length)];
                    }
                }
                case 3 -> in = java.util.Arrays.copyOf(in, len == 0 ? 0 : r.nextInt(len + 1));
                case 4 -> {
                    if (len > 1) {
                        int a = r.nextInt(len);
                        int b = a + r.nextInt(Math.min(64, len - a));
                        byte[] out = new byte[len + (b - a)];
                        System.arraycopy(in, 0, out, 0, b);
                        System.arraycopy(in, a, out, b, len - a);
                        in = out;
                    }
                }
                case 5 -> {
                    if (len > 1) {
                        int a = r.nextInt(len);
                        int n = 1 + r.nextInt(Math.min(64, len - a));
                        byte[] out = new byte[len - n];
                        System.arraycopy(in, 0, out, 0, a);
                        System.arraycopy(in, a + n, out, a, len - a - n);
                        in = out;
                    }
                }
                case 6 -> {
                    int p = len == 0 ? 0 : r.nextInt(len + 1);
                    byte[] extra = new byte[1 + r.nextInt(16)];
                    r.nextBytes(extra);
                    byte[] out = new byte[len + extra.length];
                    System.arraycopy(in, 0, out, 0, p);
                    System.arraycopy(extra, 0, out, p, extra.length);
                    System.arraycopy(in, p, out, p + extra.length, len - p);
                    in = out;
                }
                default -> {
                    byte[] other = seeds.get(r.nextInt(seeds.size()));
                    if (len > 0 && other.length > 0) {
                        int a = r.nextInt(len);
                        int b = r.nextInt(other.length);
                        byte[] out = new byte[a + other.length - b];
                        System.arraycopy(in, 0, out, 0, a);
                        System.arraycopy(other, b, out, a, other.length - b);
                        in = out;
                    }
                }
            }
        }
        return in;
    }

    /**
     * {@code -Dpot4j.fuzz.saveCurrent=true}: write every input to {@code target/fuzz-findings/<name>-current.bin}
     * before running it, so the input that crashes the JVM in native code is on disk afterwards.
     */
    private static final boolean SAVE_CURRENT = Boolean.getBoolean("pot4j.fuzz.saveCurrent");

    private static void saveCurrent(String name, byte[] input) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-findings"));
            Files.write(dir.resolve(name + "-current.bin"), input);
        } catch (IOException e) {
            // best effort
        }
    }

    private static String record(String name, int n, byte[] input, Throwable t) {
        Path dir = Path.of("target", "fuzz-findings");
        String where = "";
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + "-" + n + ".bin");
            Files.write(file, input);
            where = " (input saved to " + file + ")";
        } catch (IOException e) {
            where = " (input not saved: " + e.getMessage() + ")";
        }
        StringBuilder trace = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            if (trace.length() > 600) {
                break;
            }
            trace.append("\n      at ").append(e);
        }
        return "  " + t + where + ", first bytes " + HexFormat.of().formatHex(input, 0, Math.min(48, input.length)) + trace;
    }
}
