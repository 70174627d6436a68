package io.usageanalytics;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;

import org.junit.jupiter.api.Test;

/**
 * The package layout is the pipeline: each stage depends only on earlier stages and on the shared
 * bottom ({@code core}: event time, accounting); the job's wiring, the command line and the local
 * runner (with its dashboard, which reads the warehouse the sinks write) sit on top; pricing is apart from the cost-spike alerts that come after the windows.
 */
class LayoutTest {

    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.usageanalytics");

    @Test
    void stagesDependOnlyOnEarlierStagesAndTheSharedBottom() {
        Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("core").definedBy("io.usageanalytics.core..")
                .layer("parsing").definedBy("io.usageanalytics.parsing..")
                .layer("sources").definedBy("io.usageanalytics.sources..")
                .layer("assembly").definedBy("io.usageanalytics.assembly..")
                .layer("pricing").definedBy("io.usageanalytics.pricing..")
                .layer("aggregation").definedBy("io.usageanalytics.aggregation..")
                .layer("cost").definedBy("io.usageanalytics.cost..")
                .layer("sinks").definedBy("io.usageanalytics.sinks..")
                .layer("pipeline").definedBy("io.usageanalytics")
                .layer("cli").definedBy("io.usageanalytics.cli..")
                .layer("dashboard").definedBy("io.usageanalytics.dashboard..")
                .layer("local").definedBy("io.usageanalytics.local..")
                .whereLayer("local").mayNotBeAccessedByAnyLayer()
                .whereLayer("dashboard").mayOnlyBeAccessedByLayers("local")
                .whereLayer("cli").mayOnlyBeAccessedByLayers("local")
                .whereLayer("pipeline").mayOnlyBeAccessedByLayers("cli", "local")
                .whereLayer("sinks").mayOnlyBeAccessedByLayers("pipeline", "cli", "dashboard", "local")
                .whereLayer("cost").mayOnlyBeAccessedByLayers("sinks", "pipeline", "cli", "local")
                .whereLayer("aggregation").mayOnlyBeAccessedByLayers("cost", "sinks", "pipeline", "cli", "local")
                .whereLayer("pricing")
                .mayOnlyBeAccessedByLayers("aggregation", "cost", "sinks", "pipeline", "cli", "local")
                .whereLayer("assembly")
                .mayOnlyBeAccessedByLayers("aggregation", "cost", "sinks", "pipeline", "cli", "local")
                .whereLayer("sources").mayOnlyBeAccessedByLayers("pipeline", "cli", "local")
                .whereLayer("parsing").mayOnlyBeAccessedByLayers("sources", "assembly", "aggregation", "cost", "sinks",
                        "pipeline", "cli", "local")
                .check(MAIN);
    }

    @Test
    void noPackageCycles() {
        SlicesRuleDefinition.slices().matching("io.usageanalytics.(**)").should().beFreeOfCycles().check(MAIN);
    }
}
