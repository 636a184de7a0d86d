package org.pot4j.rules;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of docs/architecture.md, checked on the compiled classes of every module.
 * It runs in distribution's cross-backend execution because only there all backends share the
 * test class path; the name prefix puts it there.
 */
class CrossBackendModuleRulesTest {
    private static final String[] BACKENDS = {"org.pot4j.backend.onnx..", "org.pot4j.backend.tensorflow..",
            "org.pot4j.backend.djl.."};

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.pot4j");
    }

    @Test
    void everyModuleIsImported() {
        for (String pkg : new String[] {"org.pot4j.api", "org.pot4j.engine", "org.pot4j.metrics", "org.pot4j.testkit",
                "org.pot4j.backend.onnx", "org.pot4j.backend.tensorflow", "org.pot4j.backend.djl", "org.pot4j.cli", "org.pot4j.text"}) {
            if (main.stream().noneMatch(c -> c.getPackageName().startsWith(pkg))) {
                throw new AssertionError("no classes of " + pkg + " on the test class path: the rules below would pass vacuously");
            }
        }
    }

    @Test
    void apiDependsOnTheJdkOnly() {
        classes().that().resideInAPackage("org.pot4j.api..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "org.pot4j.api..")
                .check(main);
    }

    @Test
    void testkitAndMetricsSeeOnlyTheApi() {
        noClasses().that().resideInAnyPackage("org.pot4j.testkit..", "org.pot4j.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage(concat("org.pot4j.engine..", "org.pot4j.cli.."))
                .check(main);
    }

    @Test
    void engineImportsNoBackend() {
        noClasses().that().resideInAPackage("org.pot4j.engine..")
                .should().dependOnClassesThat().resideInAnyPackage(concat("org.pot4j.cli..", "org.pot4j.metrics.."))
                .check(main);
    }

    @Test
    void backendsImportNeitherTheEngineNorEachOther() {
        for (String backend : BACKENDS) {
            String[] others = java.util.Arrays.stream(BACKENDS).filter(b -> !b.equals(backend)).toArray(String[]::new);
            noClasses().that().resideInAPackage(backend)
                    .should().dependOnClassesThat().resideInAnyPackage(
                            concat(others, "org.pot4j.engine..", "org.pot4j.cli..", "org.pot4j.metrics.."))
                    .check(main);
        }
    }

    @Test
    void textDatasetPluginSeesOnlyTheApi() {
        noClasses().that().resideInAPackage("org.pot4j.text..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        concat("org.pot4j.engine..", "org.pot4j.cli..", "org.pot4j.metrics..", "org.pot4j.testkit.."))
                .check(main);
    }

    private static String[] concat(String... extra) {
        return concat(BACKENDS, extra);
    }

    private static String[] concat(String[] base, String... extra) {
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }
}
