package io.usageanalytics.testing;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** A MiniCluster with two slots, bound to loopback only (it binds every interface by default). */
public final class MiniClusters {

    public static final int PARALLELISM = 2;

    private MiniClusters() {}

    public static Configuration loopback() {
        Configuration c = new Configuration();
        c.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        c.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        c.set(TaskManagerOptions.HOST, "127.0.0.1");
        c.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        c.set(RestOptions.ADDRESS, "127.0.0.1");
        c.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        return c;
    }

    public static MiniClusterExtension extension() {
        return extension(new Configuration());
    }

    /** With {@code extra} settings (restart strategy, say) on top of the loopback ones. */
    public static MiniClusterExtension extension(Configuration extra) {
        Configuration c = loopback();
        c.addAll(extra);
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(PARALLELISM)
                        .setConfiguration(c)
                        .build());
    }
}
