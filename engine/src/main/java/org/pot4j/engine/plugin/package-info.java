/**
 * Plugin discovery: {@link java.util.ServiceLoader} over the class path and over every plugin under
 * {@code plugins/} ({@code plugins/<name>/**.jar} as one plugin, a loose {@code plugins/*.jar} as
 * another), each plugin in its own class loader whose parent is the loader of pot4j-api. A provider
 * that fails to load is logged, listed in {@link org.pot4j.engine.plugin.PluginRegistry#failures()}
 * and skipped; two providers of one kind with one name are refused ({@code DUPLICATE_PLUGIN}).
 */
package org.pot4j.engine.plugin;
