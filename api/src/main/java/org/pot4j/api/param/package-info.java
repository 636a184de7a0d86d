/**
 * How a plugin declares its parameters without depending on the engine: a record type (see
 * {@link org.pot4j.api.param.Parameters}) that the engine's one binder fills from a config when it
 * loads, checked with {@link org.pot4j.api.param.Range}; the provider then receives the typed record.
 */
package org.pot4j.api.param;
