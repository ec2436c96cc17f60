package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** The service's YAML configuration (see deploy/local/peer1.yml). */
public class CfgServerConfiguration extends Configuration {
    @Valid
    @NotNull
    @JsonProperty
    public RegistryConfig registry;

    @Valid
    @NotNull
    @JsonProperty
    public TemporalConfig temporal = new TemporalConfig();

    @Valid
    @NotNull
    @JsonProperty
    public AuthConfig auth = new AuthConfig();

    @Valid
    @NotNull
    @JsonProperty
    public ControllerSection controller = new ControllerSection();

    @Valid
    @NotNull
    @JsonProperty
    public ConsoleConfig console = new ConsoleConfig();
}
