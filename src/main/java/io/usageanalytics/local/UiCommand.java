package io.usageanalytics.local;

import io.usageanalytics.cli.CommandLines;
import io.usageanalytics.dashboard.DashboardServer;
import io.usageanalytics.dashboard.JobAccounting;
import io.usageanalytics.dashboard.WarehousePanels;
import io.usageanalytics.sinks.UsageTable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ui}: the dashboard of {@code local} over any warehouse (or the local one), without a job
 * and without Grafana, until Ctrl-C.
 */
@Command(name = "ui", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Serve the dashboard over a warehouse until Ctrl-C.")
final class UiCommand implements Callable<Integer> {

    @Mixin
    WarehouseChoice warehouse;

    @Option(names = "--table", paramLabel = "NAME", defaultValue = UsageTable.DEFAULT_TABLE,
            description = "The job's usage table (the views read the one they were applied for).")
    String table;

    @Option(names = DashboardPort.OPTION, paramLabel = "PORT", defaultValue = DashboardPort.DEFAULT,
            description = DashboardPort.DESCRIPTION)
    int uiPort;

    @Spec
    CommandSpec spec;

    private final PrintStream out;

    UiCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        try {
            UsageTable.checkTableName(table);
        } catch (IllegalArgumentException e) {
            throw CommandLines.badUsage(spec, "--table: " + e.getMessage());
        }
        DashboardPort.check(spec, uiPort);
        ChosenWarehouse chosen = warehouse.choose();
        DashboardServer dashboard;
        try {
            dashboard = DashboardPort.serve(uiPort, new WarehousePanels(chosen.url(), warehouse.user,
                    warehouse.password(), table, Optional.empty()), JobAccounting.none());
        } catch (Exception e) {
            chosen.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dashboard.close();
            chosen.close();
            stopped.countDown();
        }, "usage-analytics-ui-stop"));
        out.println("usage-analytics ui");
        out.println("  dashboard  " + dashboard.url());
        out.println("  warehouse  " + chosen.url() + " table " + table);
        out.println("Ctrl-C stops it.");
        stopped.await();
        return 0;
    }
}
