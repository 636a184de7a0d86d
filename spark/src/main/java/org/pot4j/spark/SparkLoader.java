package org.pot4j.spark;

import java.util.function.Supplier;

/**
 * Runs Spark calls with this plugin's class loader as the thread's context class loader. Spark
 * loads many of its own classes by name through the context loader (serializers, the shuffle
 * manager, RPC endpoints); in the pot4j launcher the context loader is {@code lib/}'s, which does
 * not see {@code plugins/spark/}. Threads Spark starts inherit it.
 */
final class SparkLoader {
    private SparkLoader() {
    }

    static <T> T call(Supplier<T> body) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(SparkLoader.class.getClassLoader());
        try {
            return body.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
