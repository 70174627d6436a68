package io.usageanalytics.sinks;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The SQL files the job applies itself are exactly those of sql/, in file-name order. */
class WarehouseFilesTest {

    @Test
    void theJobAppliesEveryFileOfEachFolderInOrder() throws IOException {
        assertThat(Warehouse.SCHEMA_FILES).isEqualTo(files("schema"));
        assertThat(Warehouse.VIEW_FILES).isEqualTo(files("views"));
        assertThat(Warehouse.ALERT_FILES).isEqualTo(files("alerts"));
    }

    /** Applying an alert file defines its function and prints nothing (no sample query left in it). */
    @Test
    void viewAndAlertFilesHoldOnlyDefinitions() throws IOException {
        Pattern body = Pattern.compile("\\$\\$.*?\\$\\$", Pattern.DOTALL);
        for (String folder : List.of("views", "alerts")) {
            for (String file : files(folder)) {
                String sql = body.matcher(Warehouse.sqlFile(folder, file)).replaceAll("")
                        .replaceAll("(?m)--.*$", "");
                for (String statement : sql.split(";")) {
                    if (!statement.isBlank()) {
                        assertThat(statement.strip()).as(folder + "/" + file).startsWith("CREATE OR REPLACE ");
                    }
                }
            }
        }
    }

    private static List<String> files(String folder) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("sql", folder))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted()
                    .collect(Collectors.toList());
        }
    }
}
