package io.aof.common.ops;

import java.net.InetAddress;
import java.util.UUID;

/**
 * A name for one running instance of a service, as it shows in the shared tables
 * (who holds the collation sweep, who took a read slot): the host, the process id
 * and a random suffix, so two instances in one JVM (the tests) or two pods with
 * one host name never pass for each other.
 */
public final class InstanceName {

    private InstanceName() {
    }

    /** A new name; each call gives another one. */
    public static String create() {
        String host = System.getenv("HOSTNAME");   // a pod's name on Kubernetes; no DNS lookup needed
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "unknown-host";
            }
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }
}
