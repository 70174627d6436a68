package io.usageanalytics.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LocalStateTest {

    @Test
    void jobArgumentsGetACheckpointDirectoryInTheStateUnlessTheyNameOne(@TempDir Path root) {
        LocalState state = new LocalState(root);
        String here = root.toAbsolutePath().normalize().resolve("checkpoints").toUri().toString();

        assertThat(state.withCheckpoints(List.of("--bounded"), false))
                .containsExactly("--bounded", "--checkpoint-dir", here);
        assertThat(state.withCheckpoints(List.of("--checkpoint-dir", "s3://b/c"), false))
                .containsExactly("--checkpoint-dir", "s3://b/c");
        assertThat(state.withCheckpoints(List.of("--checkpoint-dir=s3://b/c"), false))
                .containsExactly("--checkpoint-dir=s3://b/c");
    }
}
