package io.cfgserver.service.agent;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cfgserver.registry.render.ProxySettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.ArrayList;
import java.util.List;

/** {@code agent.yml}: one agent beside one nutcracker. See deploy/local/agent-p1.yml. */
public class AgentConfig {
    /** The cluster whose pool this nutcracker serves. */
    @NotEmpty
    @JsonProperty
    public String cluster;

    /** This proxy's id in the cluster (its listen address comes from the registry). */
    @NotEmpty
    @JsonProperty
    public String proxyId;

    /** REST base URLs of the registry peers (any of them may be down), e.g. http://127.0.0.1:18081. */
    @NotEmpty
    @JsonProperty
    public List<@Pattern(regexp = "https?://[^/\\s]+/?", message = "must be a base URL like http://127.0.0.1:18081") String>
            registry = new ArrayList<>();

    /**
     * PEM certificate of the CA that signed the peers' https certificates (deploy/tls/make-certs.sh's
     * ca.pem); the only CA the agent then trusts. Absent: the JVM's default CAs.
     */
    @JsonProperty
    public String caFile;

    /**
     * Watch and renew on the registry's leader when it can be found (each renewal's answer says
     * whether the peer that took it leads; the agent moves on to the next peer until one does). The
     * leader applies a commit first: a follower applies it a little later (a few ms, tens under load),
     * which every failover would pay twice, for the new map and for the ack. Off: stay on any peer
     * that answers (spreads the long polls of a large fleet over every peer).
     */
    @JsonProperty
    public boolean preferLeader = true;

    /** The registry's auth.token: renewals and events change state. */
    @JsonProperty
    public String token = "";

    /** How long a lease lasts; the agent renews it about every third of that. */
    @Min(300)
    @Max(600_000)
    @JsonProperty
    public long leaseMillis = 3000;

    /**
     * Under per-group proxy fencing: how long nutcracker keeps serving after the agent last vouched
     * for it (a lease renewal or a round of data-plane checks) when the agent itself is gone; a
     * restarted agent adopts it within that time. Never shorter than the lease.
     */
    @Min(1000)
    @Max(3_600_000)
    @JsonProperty
    public long unattendedMillis = 30_000;

    /** Data-plane checks while the registry is unreachable (per-group proxy fencing). */
    @Valid
    @NotNull
    @JsonProperty
    public EvidenceSection evidence = new EvidenceSection();

    @Valid
    @NotNull
    @JsonProperty
    public NutcrackerSection nutcracker = new NutcrackerSection();

    /** How the agent checks, group by group, that its last map still holds. */
    public static class EvidenceSection {
        /** A replica its master shows with a larger lag (seconds since its last ack) counts as detached. */
        @Min(1)
        @Max(60)
        @JsonProperty
        public int maxReplicaLagSeconds = 2;

        /** Connect and read timeout of each check. */
        @Min(10)
        @Max(10_000)
        @JsonProperty
        public int timeoutMillis = 300;
    }

    /** Dropwizard logging (level, loggers, appenders); INFO to the console by default. */
    @Valid
    @NotNull
    @JsonProperty
    public io.dropwizard.logging.common.DefaultLoggingFactory logging = new io.dropwizard.logging.common.DefaultLoggingFactory();

    /**
     * Pool settings rendered into every config (timeouts, connections): the defaults under the
     * cluster's config, whose nutcracker settings (PUT /v1/clusters/{name}/config) win. Leave it out
     * and manage them in the registry.
     */
    @NotNull
    @JsonProperty
    public ProxySettings settings = ProxySettings.defaults();

    /** Where nutcracker is and where its files go. */
    /** {@code metrics:} the agent's own Prometheus endpoint ({@code GET /metrics}); off while port is 0. */
    @jakarta.validation.Valid
    @jakarta.validation.constraints.NotNull
    @JsonProperty
    public MetricsSection metrics = new MetricsSection();

    public static class MetricsSection {
        /** TCP port of {@code GET /metrics}; 0: no endpoint. */
        @jakarta.validation.constraints.Min(0)
        @jakarta.validation.constraints.Max(65535)
        @JsonProperty
        public int port;

        @jakarta.validation.constraints.NotBlank
        @JsonProperty
        public String bindHost = "127.0.0.1";
    }

    public static class NutcrackerSection {
        @NotEmpty
        @JsonProperty
        public String binary = "/usr/sbin/nutcracker";

        /** Config, log, pid and lease files live here. */
        @NotEmpty
        @JsonProperty
        public String workDir;

        /** nutcracker's stats port (-s); it always opens one, so give each a free port. */
        @Min(1)
        @Max(65535)
        @JsonProperty
        public int statsPort;

        @Min(100)
        @JsonProperty
        public int statsIntervalMillis = 1000;
    }
}
