package org.pot4j.api.metric;

import java.util.Set;
import org.pot4j.api.param.Parameters;

/**
 * ServiceLoader factory of a metric ({@code META-INF/services/org.pot4j.api.metric.MetricProvider}).
 * A jar with one of these, dropped into {@code plugins/}, adds a metric configs can name.
 *
 * <p>The parameters are a record {@code P} ({@link Parameters}'s convention): the engine binds a
 * config's {@code params} to it when the config loads (unknown keys, types, ranges) and hands the
 * typed record to {@link #create}; a metric without parameters uses
 * {@link org.pot4j.api.param.NoParameters}.
 *
 * @param <P> the parameter record
 */
public interface MetricProvider<P extends Record> {
    /** The name configs use, e.g. {@code "accuracy"}. */
    String name();

    /** Plugin version. */
    default String version() {
        return "unknown";
    }

    /** The parameter record the engine binds a config's {@code params} to. */
    Class<P> parameters();

    /** Parameter names (the record's keys), e.g. {@code top_k}. */
    default Set<String> parameterNames() {
        return Parameters.keys(parameters());
    }

    /** A new, reset metric with these (already bound and checked) parameters. */
    Metric create(P params);
}
