package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Duration;

/** How resources read the registry: linearizable unless the client asks for this peer's local view. */
final class Reads {
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private Reads() {
    }

    static RegistryState state(RegistryClient registry, String consistency) {
        if (consistency == null || consistency.isEmpty() || consistency.equals("linearizable")) {
            return registry.read();
        }
        if (consistency.equals("local")) {
            return registry.readLocal();
        }
        throw ApiError.badRequest("consistency must be 'linearizable' (default) or 'local', got '" + consistency + "'");
    }

    /**
     * The cluster for a write's checks: this peer's view when it has the cluster, else a
     * linearizable read before answering 404, so that a cluster created through another peer a
     * moment ago is found (this peer may not have applied it yet). The registry decides the write
     * itself in log order; a check on a slightly older view of an existing cluster only answers
     * format errors early.
     */
    static Cluster clusterForWrite(RegistryClient registry, String name) {
        return registry.readLocal().cluster(name).orElseGet(() -> cluster(registry.read(), name));
    }

    static Cluster cluster(RegistryState state, String name) {
        return state.cluster(name).orElseThrow(
                () -> ApiError.notFound("cluster-[" + name + "] does not exist: GET /v1/clusters lists them"));
    }

    /**
     * A read that wants at least {@code minVersion} of a cluster: waits up to {@code waitMs} on this
     * peer, then answers with a linearizable read.
     */
    static Cluster clusterAtLeast(RegistryClient registry, String name, Long minVersion, Long waitMs,
            String consistency) {
        if (minVersion != null) {
            if (minVersion < 0) {
                throw ApiError.badRequest("minVersion must be >= 0");
            }
            Duration wait = waitDuration(waitMs);
            try {
                registry.awaitVersion(name, minVersion - 1, wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiError.fail(503, "interrupted", "interrupted while waiting for version " + minVersion);
            }
            Cluster c = cluster(state(registry, consistency), name);
            if (c.version() < minVersion) {
                throw ApiError.fail(504, "version-not-reached", "cluster-[" + name + "] is at version " + c.version()
                        + ", version " + minVersion + " was not reached within " + wait.toMillis() + " ms");
            }
            return c;
        }
        return cluster(state(registry, consistency), name);
    }

    static Duration waitDuration(Long waitMs) {
        if (waitMs == null) {
            return Duration.ofSeconds(30);
        }
        if (waitMs < 0 || waitMs > MAX_WAIT.toMillis()) {
            throw ApiError.badRequest("waitMs must be between 0 and " + MAX_WAIT.toMillis() + ", got " + waitMs);
        }
        return Duration.ofMillis(waitMs);
    }
}
