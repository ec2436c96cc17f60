package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The {@code auth:} section. */
public class AuthConfig {
    /**
     * Bearer token required on every state-changing request ({@code Authorization: Bearer ...}).
     * Empty disables authentication (the service logs a warning at start).
     */
    @JsonProperty
    public String token = "";
}
