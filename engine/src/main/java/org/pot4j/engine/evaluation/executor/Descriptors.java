package org.pot4j.engine.evaluation.executor;

import com.google.inject.Singleton;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;

/**
 * Remembers how the engine created each live model and dataset ({@link org.pot4j.engine.Pot4j#loadModel}
 * and {@link org.pot4j.engine.Pot4j#openDataset} record them), so the evaluator can describe a
 * pass to a remote executor. Weak: a closed model or dropped dataset is forgotten. Objects built in
 * code (a {@code Dataset} lambda, {@code map(transform)}) have no descriptor and are evaluated locally.
 */
@Singleton
public final class Descriptors {
    /** Few objects live at once (a model and two datasets per job): a list scanned by identity is enough. */
    private final List<Entry> entries = new ArrayList<>();

    /** Records how {@code model} was loaded. */
    public void record(Model model, ModelDescriptor descriptor) {
        put(model, descriptor);
    }

    /** Records how {@code dataset} was opened (for a view: how its inputs were opened). */
    public void record(Dataset dataset, DatasetDescriptor descriptor) {
        put(dataset, descriptor);
    }

    /** How {@code model} was loaded, or null. */
    public ModelDescriptor of(Model model) {
        return (ModelDescriptor) get(model);
    }

    /** How {@code dataset} was opened, or null. */
    public DatasetDescriptor of(Dataset dataset) {
        return (DatasetDescriptor) get(dataset);
    }

    private synchronized void put(Object target, Object descriptor) {
        entries.removeIf(e -> e.ref.get() == null || e.ref.get() == target);
        entries.add(new Entry(new WeakReference<>(target), descriptor));
    }

    private synchronized Object get(Object target) {
        for (Entry e : entries) {
            if (e.ref.get() == target) {
                return e.descriptor;
            }
        }
        return null;
    }

    private record Entry(WeakReference<Object> ref, Object descriptor) {
    }
}
