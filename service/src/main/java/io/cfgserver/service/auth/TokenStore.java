package io.cfgserver.service.auth;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cfgserver.service.config.AuthConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configured tokens, kept as SHA-256 digests only. A lookup hashes the presented token and
 * compares it with every stored digest in constant time, so neither the comparison nor which entry
 * matched shows in the time taken.
 */
public final class TokenStore {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SCOPE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}/(\\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,31})");

    private record Entry(byte[] digest, Caller caller) {
    }

    private final List<Entry> entries;
    private final boolean enabled;
    private final boolean anonymousReads;

    private TokenStore(List<Entry> entries, boolean enabled, boolean anonymousReads) {
        this.entries = List.copyOf(entries);
        this.enabled = enabled;
        this.anonymousReads = anonymousReads;
    }

    /**
     * From the {@code auth:} section (and its {@code usersFile}); an error names the entry and says
     * what to fix.
     */
    public static TokenStore from(AuthConfig config) {
        List<AuthConfig.User> users = new ArrayList<>(config.users);
        if (config.usersFile != null && !config.usersFile.isBlank()) {
            users.addAll(readUsersFile(Path.of(config.usersFile)));
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (AuthConfig.User u : users) {
            String where = "auth user '" + u.name + "'";
            if (u.name == null || !NAME.matcher(u.name).matches()) {
                throw new IllegalArgumentException("auth user name '" + u.name + "' must be 1-64 letters, digits, '_', '.', '@' or '-'");
            }
            if (!names.add(u.name)) {
                throw new IllegalArgumentException(where + " is listed twice: give each token its own name");
            }
            Role role = Role.parse(u.role);
            if (u.tokenSha256 == null || !HASH.matcher(u.tokenSha256).matches()) {
                throw new IllegalArgumentException(where + ": tokenSha256 must be the 64 lower-case hex digits of the token's "
                        + "SHA-256 (printf %s TOKEN | sha256sum)");
            }
            if (!hashes.add(u.tokenSha256)) {
                throw new IllegalArgumentException(where + " has the same token as another user: give each its own token");
            }
            List<String> proxies = u.proxies == null ? List.of() : u.proxies;
            if (role == Role.PROXY && proxies.isEmpty()) {
                throw new IllegalArgumentException(where + " has role proxy but no proxies: list the ones it speaks for, "
                        + "e.g. proxies: [\"demo/p1\"] or [\"demo/*\"]");
            }
            if (role != Role.PROXY && !proxies.isEmpty()) {
                throw new IllegalArgumentException(where + " lists proxies but has role " + role.label() + ": only proxy tokens are scoped");
            }
            for (String p : proxies) {
                if (p == null || !SCOPE.matcher(p).matches()) {
                    throw new IllegalArgumentException(where + ": proxy '" + p + "' must be cluster/proxyId or cluster/*");
                }
            }
            entries.add(new Entry(HexFormat.of().parseHex(u.tokenSha256), new Caller(u.name, role, proxies)));
        }
        boolean legacy = config.token != null && !config.token.isBlank();
        if (legacy) {
            byte[] digest = sha256(config.token.trim());
            Optional<Entry> same = entries.stream().filter(e -> MessageDigest.isEqual(e.digest(), digest)).findFirst();
            if (same.isPresent() && same.get().caller().role() != Role.ADMIN) {
                throw new IllegalArgumentException("auth.token (an admin token) is also the token of user '"
                        + same.get().caller().name() + "' (role " + same.get().caller().role().label() + "): use another token");
            }
            if (same.isEmpty()) { // the same token as an admin user: that user it is
                entries.add(new Entry(digest, new Caller("token", Role.ADMIN, List.of())));
            }
        }
        boolean anonymous = config.anonymousReads != null ? config.anonymousReads : users.isEmpty();
        return new TokenStore(entries, !entries.isEmpty(), anonymous);
    }

    private static List<AuthConfig.User> readUsersFile(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("auth.usersFile " + file + " cannot be read: check the path and its permissions");
        }
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
            List<AuthConfig.User> users = yaml.readValue(Files.readString(file, StandardCharsets.UTF_8),
                    new TypeReference<List<AuthConfig.User>>() { });
            return users == null ? List.of() : users;
        } catch (IOException e) {
            throw new IllegalArgumentException("auth.usersFile " + file + " is not a YAML list of users "
                    + "({name, role, tokenSha256, proxies}): " + e.getMessage(), e);
        }
    }

    /** Whether any token is configured; without one, authentication is off. */
    public boolean enabled() {
        return enabled;
    }

    /** Whether a request without a token may read. */
    public boolean anonymousReads() {
        return anonymousReads;
    }

    /** The caller a token belongs to. */
    public Optional<Caller> lookup(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] given = sha256(token);
        Caller found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(given, e.digest()) && found == null) {
                found = e.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The first 8 hex digits of a token's SHA-256: enough to tell tokens apart in the audit log, useless to an attacker. */
    public static String fingerprint(String token) {
        return HexFormat.of().formatHex(sha256(token)).substring(0, 8);
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
