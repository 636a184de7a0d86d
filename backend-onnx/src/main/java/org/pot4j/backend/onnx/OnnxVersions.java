package org.pot4j.backend.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions of pot4j and ONNX Runtime baked into the jar at build time (no native code is loaded to read them). */
final class OnnxVersions {
    private static final Properties PROPS = load();

    private OnnxVersions() {
    }

    /** The pot4j version, or {@code "dev"} when run from an unfiltered build. */
    static String pot4j() {
        return value("pot4j.version");
    }

    /** The ONNX Runtime version this backend was built against. */
    static String onnxRuntime() {
        return value("onnxruntime.version");
    }

    private static String value(String key) {
        String v = PROPS.getProperty(key, "dev");
        return v.startsWith("${") ? "dev" : v;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = OnnxVersions.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // versions are informative only; "dev" is reported instead
        }
        return p;
    }
}
