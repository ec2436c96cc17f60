package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.List;

/** The {@code registry:} section: this peer and its Raft group. */
public class RegistryConfig {

    /** One member of the Raft group. */
    public static class PeerEntry {
        @NotEmpty
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_-]{0,31}", message = "must be 1-32 letters, digits, '_' or '-'")
        @JsonProperty
        public String id;

        @NotEmpty
        @Pattern(regexp = "[^:\\s]+:[0-9]{1,5}", message = "must be host:port of the peer's Raft endpoint")
        @JsonProperty
        public String address;
    }

    @NotEmpty
    @JsonProperty
    public String peerId;

    @NotEmpty
    @JsonProperty
    public String dataDir;

    @Valid
    @NotNull
    @Size(min = 1, max = 7, message = "must list 1 to 7 peers (3 or 5 in production)")
    @JsonProperty
    public List<PeerEntry> peers = new ArrayList<>();

    @NotNull
    @JsonProperty
    public Duration electionTimeoutMin = Duration.seconds(1);

    @NotNull
    @JsonProperty
    public Duration electionTimeoutMax = Duration.seconds(2);

    @Min(100)
    @JsonProperty
    public long snapshotThreshold = 10_000;

    @NotNull
    @JsonProperty
    public Duration requestTimeout = Duration.seconds(10);

    /** Mutual TLS between the peers (Raft over gRPC); leave it out for plaintext. Every peer must agree. */
    @Valid
    @JsonProperty
    public TlsSection tls;

    /** {@code registry.tls:} PEM files, e.g. from deploy/tls/make-certs.sh; checked at start. */
    public static class TlsSection {
        /** This peer's certificate; its SAN names the host of this peer's Raft address. */
        @NotEmpty
        @JsonProperty
        public String certFile;

        /** Its private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}). */
        @NotEmpty
        @JsonProperty
        public String keyFile;

        /** The CA that signed every peer's certificate: the only one a peer trusts. */
        @NotEmpty
        @JsonProperty
        public String caFile;
    }
}
