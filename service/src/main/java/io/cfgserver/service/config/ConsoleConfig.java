package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The {@code console:} section: the web console served at {@code /console/} on the application port. */
public class ConsoleConfig {
    /** Serve the console (static files; it reads the same REST API, with the same tokens). */
    @JsonProperty
    public boolean enabled = true;

    /**
     * The Temporal UI's base URL (e.g. {@code http://127.0.0.1:8233}) for links from jobs to their
     * workflows; empty: no links.
     */
    @JsonProperty
    public String temporalUi = "";
}
