package org.pot4j.engine.data;

import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.engine.config.ParamBinder;

/** Opens a dataset from a config-style parameter map, bound by the engine's binder as a config is. */
final class Open {
    private Open() {
    }

    static <P extends Record> Dataset dataset(DatasetProvider<P> provider, Map<String, ?> params, Path baseDir) {
        return provider.open(ParamBinder.bind(params, provider.parameters(), "dataset type '" + provider.name() + "'", null),
                baseDir);
    }
}
