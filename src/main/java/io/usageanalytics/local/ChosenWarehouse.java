package io.usageanalytics.local;

import io.usageanalytics.cli.UserError;
import io.usageanalytics.sinks.Warehouse;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * The warehouse {@code query} and {@code ui} read: {@code --warehouse}, else the local runner's
 * running one, else its kept data started just for the command (stopped by {@link #close()}).
 */
record ChosenWarehouse(String url, EmbeddedWarehouse started) implements AutoCloseable {

    static ChosenWarehouse of(String warehouse, String user, LocalState local) throws UserError, IOException {
        if (warehouse != null) {
            return new ChosenWarehouse(warehouse, null);
        }
        Optional<String> running = local.runningWarehouseUrl();
        if (running.isPresent() && reachable(running.get(), user)) {
            return new ChosenWarehouse(running.get(), null);
        }
        if (local.hasWarehouseData()) {
            EmbeddedWarehouse started = local.startWarehouse();
            return new ChosenWarehouse(started.jdbcUrl(), started);
        }
        throw new UserError("no local warehouse in " + local.root()
                + "; run ./usage-analytics local first, or pass --warehouse");
    }

    private static boolean reachable(String url, String user) {
        try (Connection c = Warehouse.connect(url, user, null, Duration.ofSeconds(2))) {
            return true;
        } catch (SQLException e) {
            return false; // a runner that was killed left its URL behind
        }
    }

    @Override
    public void close() {
        if (started != null) {
            started.close();
        }
    }
}
