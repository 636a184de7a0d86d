/** Guice wiring: what plugin discovery found, bound by name with {@code MapBinder}s. */
package org.pot4j.engine.inject;
