package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;

/** The {@code temporal:} section: where the Temporal service is and which queue this worker polls. */
public class TemporalConfig {
    /** host:port of the Temporal frontend. */
    @NotEmpty
    @JsonProperty
    public String target = "127.0.0.1:7233";

    @NotEmpty
    @JsonProperty
    public String namespace = "default";

    @NotEmpty
    @JsonProperty
    public String taskQueue = "cfgserver";

    /**
     * How often the registry leader looks for catalog entries whose workflow ended without closing them
     * (terminated, timed out, never started), and how old such an entry must be.
     */
    @Min(100)
    @JsonProperty
    public long reconcileIntervalMillis = 10_000;

    @Min(1000)
    @JsonProperty
    public long reconcileGraceMillis = 10_000;

    /** false: run without a Temporal worker (jobs are refused). */
    @JsonProperty
    public boolean enabled = true;

    /** How often the running jobs' copy progress is sampled for /prometheus (cfgserver_job_keys_copied, ...). */
    @jakarta.validation.constraints.Min(100)
    @JsonProperty
    public long progressSampleMillis = 5000;
}
