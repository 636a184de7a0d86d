package org.pot4j.api.param;

/** The parameter record of a plugin that takes no parameters: every key is unknown. */
public record NoParameters() {
}
