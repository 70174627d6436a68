package io.usageanalytics.local;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Local servers stay on 127.0.0.1: free ports there, and Flink settings (it binds every interface by default). */
public final class Loopback {

    private Loopback() {}

    /** A port free on 127.0.0.1 right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Configuration flinkConfiguration() {
        Configuration c = new Configuration();
        c.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        c.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        c.set(TaskManagerOptions.HOST, "127.0.0.1");
        c.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        c.set(RestOptions.ADDRESS, "127.0.0.1");
        c.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        return c;
    }
}
