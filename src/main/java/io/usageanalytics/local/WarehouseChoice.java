package io.usageanalytics.local;

import io.usageanalytics.cli.JobOptions;
import io.usageanalytics.cli.UserError;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The options by which {@code query} and {@code ui} choose the warehouse they read ({@link ChosenWarehouse}). */
final class WarehouseChoice {

    @Option(names = "--warehouse", paramLabel = "JDBC_URL",
            description = "Read this database instead of the local warehouse.")
    String url;

    @Option(names = "--warehouse-user", paramLabel = "USER", defaultValue = "postgres",
            description = "User for --warehouse; the password comes from " + JobOptions.PASSWORD_ENV + ".")
    String user;

    @Option(names = "--state", paramLabel = "DIR", defaultValue = LocalState.DEFAULT_OPTION,
            description = "The local runner's state folder.")
    Path state;

    ChosenWarehouse choose() throws UserError, IOException {
        return ChosenWarehouse.of(url, user, new LocalState(state));
    }

    String password() {
        return System.getenv(JobOptions.PASSWORD_ENV);
    }
}
