package io.usageanalytics.testing;

import io.usageanalytics.local.Loopback;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** A MiniCluster with two slots, bound to loopback only (it binds every interface by default). */
public final class MiniClusters {

    public static final int PARALLELISM = 2;

    private MiniClusters() {}

    public static MiniClusterExtension extension() {
        return extension(new Configuration());
    }

    /** With {@code extra} settings (restart strategy, say) on top of the loopback ones. */
    public static MiniClusterExtension extension(Configuration extra) {
        Configuration c = Loopback.flinkConfiguration();
        c.addAll(extra);
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(PARALLELISM)
                        .setConfiguration(c)
                        .build());
    }
}
