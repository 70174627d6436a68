package io.usageanalytics.local;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dimensions the local runner gives the job for its generated traffic, and how the user replaces them. */
class LocalRunnerTest {

    @Test
    void tenantsAndAppsByDefaultTenantsJudgedForSpikes() {
        assertThat(LocalRunner.defaultDimensions(List.of("--window", "10s", "--max-dimension-values", "5")))
                .containsExactly("--dimension", "tenant=header:x-tenant", "--dimension", "app=json:/x_gateway/app",
                        "--spike-by", "tenant");
    }

    @Test
    void theUsersSpikeByReplacesTheTenantsAndTheirDimensionsReplaceAll() {
        assertThat(LocalRunner.defaultDimensions(List.of("--spike-by", "app"))).containsExactly(
                "--dimension", "tenant=header:x-tenant", "--dimension", "app=json:/x_gateway/app");
        assertThat(LocalRunner.defaultDimensions(List.of("--spike-by=app"))).containsExactly(
                "--dimension", "tenant=header:x-tenant", "--dimension", "app=json:/x_gateway/app");
        assertThat(LocalRunner.defaultDimensions(List.of("--dimension", "user=json:/x_gateway/user"))).isEmpty();
        assertThat(LocalRunner.defaultDimensions(List.of("--dimension=user=json:/x_gateway/user"))).isEmpty();
    }
}
