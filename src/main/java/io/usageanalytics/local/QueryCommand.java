package io.usageanalytics.local;

import io.usageanalytics.cli.UserError;
import io.usageanalytics.sinks.Warehouse;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code query "SQL"}: runs one statement against the local warehouse (the running one, or the
 * kept data started just for the query) or {@code --warehouse}, and prints the result.
 */
@Command(name = "query", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run one SQL statement against the local warehouse and print the result.")
final class QueryCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SQL", description = "The statement to run.")
    String sql;

    @Option(names = "--csv", description = "Print CSV instead of an aligned table.")
    boolean csv;

    @Mixin
    WarehouseChoice warehouse;

    private final PrintStream out;

    QueryCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        try (ChosenWarehouse chosen = warehouse.choose();
                Connection c = Warehouse.connect(chosen.url(), warehouse.user, warehouse.password(),
                        Duration.ofSeconds(10));
                Statement s = c.createStatement()) {
            if (s.execute(sql)) {
                try (ResultSet r = s.getResultSet()) {
                    if (csv) {
                        TablePrinter.csv(TablePrinter.read(r), out);
                    } else {
                        TablePrinter.aligned(TablePrinter.readRounded(r), out);
                    }
                }
            } else {
                out.println(s.getUpdateCount() + " rows affected");
            }
            return 0;
        } catch (SQLException e) {
            throw new UserError("query failed: " + e.getMessage().replaceAll("\\s+", " "));
        }
    }
}
