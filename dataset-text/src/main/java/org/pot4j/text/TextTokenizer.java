package org.pot4j.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokenizes sentences with a Hugging Face {@code tokenizer.json} through DJL's binding of the Rust
 * {@code tokenizers} library.
 *
 * <p>Native library: the DJL {@code tokenizers} jar from Maven carries {@code libtokenizers} for
 * linux-x86_64, linux-aarch64, osx-aarch64 and win-x86_64 ({@code native/lib/<platform>/cpu/}); DJL copies
 * it into its cache folder ({@code DJL_CACHE_DIR}, default {@code ~/.djl.ai}) and loads it. DJL downloads
 * a library only when it picks a CUDA flavour (a GPU is found and DJL is not offline); pot4j sets
 * {@code RUST_FLAVOR=cpu} (unless the user set it) so the jar's CPU build is always the one used and nothing
 * is fetched at run time. On a platform the jar has no build for, DJL fails and this says so.
 */
final class TextTokenizer {
    private static final Logger LOG = LoggerFactory.getLogger(TextTokenizer.class);
    /** DJL reads this as an environment variable or a system property. */
    static final String FLAVOR_KEY = "RUST_FLAVOR";

    private TextTokenizer() {
    }

    /**
     * Per sentence: {@code {input_ids, attention_mask, token_type_ids}}, all of one length (padded),
     * in the order of {@link TextDatasetProvider#ALL_INPUTS}.
     */
    static List<long[][]> encode(Path tokenizerFile, List<TextSource.Line> lines, Path textFile, int maxLength,
                                 boolean truncation, boolean padToLongest) {
        useBundledCpuLibrary();
        // DJL finds its native library (native/lib/tokenizers.properties) through the thread's context class
        // loader; in pot4j's plugins/ folder that is the launcher's loader, which cannot see this plugin's jars
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(TextTokenizer.class.getClassLoader());
        try {
            return encodeWithPluginLoader(tokenizerFile, lines, textFile, maxLength, truncation, padToLongest);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static List<long[][]> encodeWithPluginLoader(Path tokenizerFile, List<TextSource.Line> lines, Path textFile,
                                                         int maxLength, boolean truncation, boolean padToLongest) {
        int length = maxLength;
        if (padToLongest || !truncation) {
            int longest = 0;
            int longestLine = -1;
            List<Encoding> plain = run(tokenizerFile, lines, Integer.MAX_VALUE / 2, false, false);
            for (int i = 0; i < plain.size(); i++) {
                int n = plain.get(i).getIds().length;
                if (n > longest) {
                    longest = n;
                    longestLine = lines.get(i).number();
                }
            }
            if (!truncation && longest > maxLength) {
                long over = plain.stream().filter(e -> e.getIds().length > maxLength).count();
                throw new Pot4jException(ErrorCode.DATASET_INVALID, textFile + ": " + over + " of " + lines.size()
                        + " sentences are longer than max_length " + maxLength + " tokens; the longest, line " + longestLine
                        + ", has " + longest + "; raise max_length (at most the model's position table) or set truncation: true");
            }
            length = padToLongest ? Math.min(longest, maxLength) : maxLength;
        }
        List<Encoding> padded = run(tokenizerFile, lines, length, truncation, true);
        List<long[][]> out = new ArrayList<>(padded.size());
        int truncated = 0;
        for (Encoding e : padded) {
            long[] ids = e.getIds();
            if (ids.length != length) {
                throw new Pot4jException(ErrorCode.INTERNAL, "tokenizer gave " + ids.length + " tokens where padding asked for "
                        + length);
            }
            if (e.exceedMaxLength()) {
                truncated++;
            }
            out.add(new long[][] {ids, e.getAttentionMask(), e.getTypeIds()});
        }
        LOG.info("text dataset {}: {} sentences tokenized to {} tokens each ({} truncated)", textFile.getFileName(), lines.size(),
                length, truncated);
        return out;
    }

    private static List<Encoding> run(Path tokenizerFile, List<TextSource.Line> lines, int maxLength, boolean truncation,
                                      boolean pad) {
        HuggingFaceTokenizer.Builder b = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerFile)
                .optAddSpecialTokens(true).optMaxLength(maxLength).optTruncation(truncation);
        if (pad) {
            b.optPadToMaxLength();
        } else {
            b.optPadding(false);
        }
        List<Encoding> out = new ArrayList<>(lines.size());
        try (HuggingFaceTokenizer tokenizer = build(b, tokenizerFile)) {
            for (TextSource.Line l : lines) {
                out.add(tokenizer.encode(l.text()));
            }
        }
        return out;
    }

    private static HuggingFaceTokenizer build(HuggingFaceTokenizer.Builder b, Path tokenizerFile) {
        try {
            return b.build();
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "text dataset: cannot read tokenizer " + tokenizerFile + " ("
                    + e.getMessage() + ")", e);
        } catch (LinkageError | AssertionError e) {
            // UnsatisfiedLinkError, NoClassDefFoundError of a failed static init, DJL's "no version found" assertion
            throw nativeMissing(e);
        } catch (RuntimeException e) {
            if (e.getClass().getName().startsWith("ai.djl.engine")) {
                throw nativeMissing(e);
            }
            // the Rust parser's message, e.g. "expected value at line 1 column 1"
            throw new Pot4jException(ErrorCode.DATASET_INVALID, "text dataset: " + tokenizerFile
                    + " is not a Hugging Face tokenizer.json (" + e.getMessage() + "); give the tokenizer.json the model was"
                    + " trained with", e);
        }
    }

    private static Pot4jException nativeMissing(Throwable e) {
        return new Pot4jException(ErrorCode.PLUGIN_LOAD_FAILED, "text dataset: the tokenizer's native library did not load on "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + " (" + e.getMessage() + "); the DJL"
                + " tokenizers jar carries builds for linux-x86_64, linux-aarch64, osx-aarch64 and win-x86_64 only", e);
    }

    /** Makes DJL take the CPU build inside its jar instead of looking for (and downloading) a CUDA one. */
    static void useBundledCpuLibrary() {
        if (System.getenv(FLAVOR_KEY) == null && System.getProperty(FLAVOR_KEY) == null) {
            System.setProperty(FLAVOR_KEY, "cpu");
        }
    }
}
