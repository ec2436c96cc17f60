package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code auth:} section: tokens and their roles (see docs/security.md).
 *
 * <pre>
 * auth:
 *   users:
 *     - {name: alice, role: operator, tokenSha256: "9f86d0..."}   # printf %s TOKEN | sha256sum
 *     - {name: agent-p1, role: proxy, proxies: ["demo/p1"], tokenSha256: "..."}
 *   usersFile: /etc/cfgserver/users.yml   # more users, same fields (a YAML list)
 *   anonymousReads: false
 * </pre>
 */
public class AuthConfig {
    /**
     * One shared token with the {@code admin} role (the first versions' setting, kept so that
     * their configs work). Empty, with no users either: authentication is off (logged at start).
     */
    @JsonProperty
    public String token = "";

    /** Tokens by their SHA-256, each with a name and a role. */
    @Valid
    @NotNull
    @JsonProperty
    public List<User> users = new ArrayList<>();

    /** A YAML file with more users (a list of the same entries); read at start. */
    @JsonProperty
    public String usersFile = "";

    /**
     * Whether requests without a token may read (the {@code viewer} role). Default: yes when only
     * the shared {@link #token} is set (as before roles existed), no when users are configured.
     */
    @JsonProperty
    public Boolean anonymousReads;

    /** One token. */
    public static class User {
        @NotBlank
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}", message = "must be 1-64 letters, digits, '_', '.', '@' or '-'")
        @JsonProperty
        public String name;

        @NotBlank
        @Pattern(regexp = "viewer|operator|admin|proxy", message = "must be one of viewer, operator, admin, proxy")
        @JsonProperty
        public String role;

        /** Lower-case hex SHA-256 of the token: {@code printf %s "$TOKEN" | sha256sum}. */
        @NotBlank
        @Pattern(regexp = "[0-9a-f]{64}", message = "must be the 64 lower-case hex digits of the token's SHA-256 (printf %s TOKEN | sha256sum)")
        @JsonProperty
        public String tokenSha256;

        /** For role proxy: the proxies it speaks for, {@code cluster/proxyId} or {@code cluster/*}. */
        @NotNull
        @JsonProperty
        public List<@Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,62}/(\\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,31})",
                message = "must be cluster/proxyId or cluster/*") String> proxies = new ArrayList<>();

        public User() {
        }

        public User(String name, String role, String tokenSha256, List<String> proxies) {
            this.name = name;
            this.role = role;
            this.tokenSha256 = tokenSha256;
            this.proxies = proxies == null ? new ArrayList<>() : new ArrayList<>(proxies);
        }
    }
}
