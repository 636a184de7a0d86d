package org.pot4j.api.data;

import java.nio.file.Path;
import java.util.Set;
import org.pot4j.api.param.Parameters;

/**
 * Reads a dataset from disk, found by {@link java.util.ServiceLoader}. Configs pick a provider with
 * {@code "type": "<name>"}; the remaining keys are the provider's parameters, a record {@code P}
 * ({@link Parameters}'s convention) the engine binds and checks when the config loads.
 *
 * @param <P> the parameter record
 */
public interface DatasetProvider<P extends Record> {
    /** The {@code type} configs use, e.g. {@code "npy"}, {@code "idx"}, {@code "csv"}. */
    String name();

    /** The parameter record the engine binds a dataset spec's keys (besides {@code type}) to. */
    Class<P> parameters();

    /** Keys {@link #open} understands besides {@code type} (the record's keys). */
    default Set<String> parameterNames() {
        return Parameters.keys(parameters());
    }

    /**
     * Opens the dataset.
     *
     * @param params  the bound parameters; relative paths resolve against {@code baseDir}
     * @param baseDir folder of the config file (or the working directory)
     * @throws org.pot4j.api.Pot4jException with {@code FILE_NOT_FOUND} or {@code DATASET_INVALID}
     */
    Dataset open(P params, Path baseDir);
}
