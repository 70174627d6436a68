package io.usageanalytics.cli;

import io.usageanalytics.sinks.Warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Checks the warehouse before the job is submitted (and applies the schema if asked), so that bad
 * credentials or a missing table are one line at start instead of a failing job.
 */
final class WarehouseCheck {

    private WarehouseCheck() {}

    /** Connects once, within --connect-timeout; applies sql/ first if --create-schema says so. */
    static void check(JobOptions o) throws UserError {
        try (Connection c = Warehouse.connect(o.jdbcUrl, o.jdbcUser, o.jdbcPassword, o.connectTimeout)) {
            if (o.createSchema != JobOptions.SchemaSetup.none) {
                Warehouse.applySchema(c, o.table);
            }
            if (o.createSchema == JobOptions.SchemaSetup.all) {
                Warehouse.applyViewsAndAlerts(c, o.table);
            }
            Optional<String> problem = Warehouse.tableProblem(c, o.table);
            if (problem.isPresent()) {
                throw new UserError(problem.get() + " in " + o.jdbcUrl
                        + "; run with --create-schema or apply sql/schema");
            }
        } catch (SQLException e) {
            throw new UserError("cannot use database " + o.jdbcUrl
                    + (o.jdbcUser == null ? "" : " as " + o.jdbcUser) + ": " + UsageAnalyticsJob.oneLine(e));
        }
    }
}
