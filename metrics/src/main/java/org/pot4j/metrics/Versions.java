package org.pot4j.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version the providers report: the one Maven recorded in the jar, "dev" when run from classes. */
final class Versions {
    static final String OF_THIS_JAR = find();

    private Versions() {
    }

    private static String find() {
        try (InputStream in = Versions.class.getResourceAsStream("/META-INF/maven/org.pot4j/pot4j-metrics/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "dev");
            }
        } catch (IOException e) {
            // the version is informational only
        }
        return "dev";
    }
}
