package org.pot4j.api.data;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Reads a dataset from disk, found by {@link java.util.ServiceLoader}. Configs pick a provider with
 * {@code "type": "<name>"} and pass the remaining keys as {@code params}.
 */
public interface DatasetProvider {
    /** The {@code type} configs use, e.g. {@code "npy"}, {@code "idx"}, {@code "csv"}. */
    String name();

    /** Keys {@link #open} understands besides {@code type}; unknown keys are rejected with this list. */
    Set<String> parameterNames();

    /**
     * Opens the dataset.
     *
     * @param params  config values; relative paths resolve against {@code baseDir}
     * @param baseDir folder of the config file (or the working directory)
     * @throws org.pot4j.api.Pot4jException with {@code FILE_NOT_FOUND} or {@code DATASET_INVALID}
     */
    Dataset open(Map<String, Object> params, Path baseDir);
}
