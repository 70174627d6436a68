package io.usageanalytics.local;

import io.usageanalytics.cli.CommandLines;
import io.usageanalytics.cli.UserError;
import io.usageanalytics.dashboard.DashboardServer;
import io.usageanalytics.dashboard.JobAccounting;
import io.usageanalytics.dashboard.WarehousePanels;

import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** The {@code --ui-port} of {@code local} and {@code ui}: checked before anything starts, then served. */
final class DashboardPort {

    static final String OPTION = "--ui-port";
    static final String DEFAULT = "8088";
    static final String DESCRIPTION = "Port of the dashboard on 127.0.0.1 (0: a free one).";

    private DashboardPort() {}

    /**
     * A bad value is a usage error; a port taken now is the user's to free, said before Kafka,
     * PostgreSQL and the job take their half minute to start.
     */
    static void check(CommandSpec spec, int port) throws UserError {
        if (port < 0 || port > 65535) {
            throw CommandLines.badUsage(spec, OPTION + " must be between 0 and 65535");
        }
        if (port != 0) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                probe.setReuseAddress(true);
            } catch (IOException e) {
                throw taken(port);
            }
        }
    }

    static DashboardServer serve(int port, WarehousePanels panels, JobAccounting accounting)
            throws UserError, IOException {
        try {
            return DashboardServer.start(port, panels, accounting);
        } catch (BindException e) {
            throw taken(port);
        }
    }

    private static UserError taken(int port) {
        return new UserError("the dashboard's port 127.0.0.1:" + port + " is taken; pass " + OPTION
                + " with a free one (0 picks one)");
    }
}
