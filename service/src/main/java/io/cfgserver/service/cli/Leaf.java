package io.cfgserver.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.service.tls.CaTrust;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** A command that talks to the API: the shared options, the client, and how answers are printed. */
abstract class Leaf implements Callable<Integer> {
    static final List<String> DEMO_SERVERS = List.of("http://127.0.0.1:18081", "http://127.0.0.1:18082",
            "http://127.0.0.1:18083");

    /** The options every command takes. */
    static final class Global {
        @Option(names = "--server", split = ",", paramLabel = "URL", scope = ScopeType.INHERIT,
                description = "cfgserver peers to ask, in order (repeat or comma-separate); the next one is asked when"
                        + " one cannot be reached. Default: $CFGSERVER_SERVERS, else the demo's three peers")
        List<String> servers;

        @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT, description = "API token (default: --token-file,"
                + " $CFGSERVER_TOKEN, ~/.config/cfgserver/token)")
        String token;

        @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT, description = "read the API token from this file")
        Path tokenFile;

        @Option(names = "--cacert", paramLabel = "FILE", scope = ScopeType.INHERIT, description = "PEM CA certificate"
                + " to trust for https:// servers, instead of the system's (default: $CFGSERVER_CACERT)")
        Path caFile;

        @Option(names = "--json", scope = ScopeType.INHERIT, description = "print the API's JSON answer instead of a table")
        boolean json;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10", scope = ScopeType.INHERIT,
                description = "per request, in seconds (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;
    }

    /** The options, given before or after the command (they live on the root command). */
    Global global;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        global = ((CfgCli) spec.root().userObject()).global;
        return run();
    }

    abstract Integer run() throws Exception;

    /** Where the environment comes from (the tests give their own). */
    static volatile Map<String, String> env = System.getenv();

    Api api() {
        List<String> raw = global.servers;
        if (raw == null || raw.isEmpty()) {
            String fromEnv = env.get("CFGSERVER_SERVERS");
            raw = fromEnv == null || fromEnv.isBlank() ? DEMO_SERVERS : List.of(fromEnv.split(","));
        }
        List<URI> uris = new ArrayList<>();
        for (String s : raw) {
            String t = s.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.contains("://")) {
                t = "http://" + t;
            }
            URI u;
            try {
                u = URI.create(t.endsWith("/") ? t : t + "/");
            } catch (IllegalArgumentException e) {
                throw new Usage("--server " + s + " is not a URL (e.g. http://127.0.0.1:18081)");
            }
            if (u.getHost() == null || u.getPort() == -1 && !t.startsWith("https://")) {
                throw new Usage("--server " + s + " needs a host and a port, e.g. http://127.0.0.1:18081");
            }
            uris.add(u);
        }
        if (uris.isEmpty()) {
            throw new Usage("--server names no server");
        }
        if (global.timeoutSeconds < 1 || global.timeoutSeconds > 3600) {
            throw new Usage("--timeout must be between 1 and 3600 seconds, got " + global.timeoutSeconds);
        }
        return new Api(uris, token(), Duration.ofSeconds(global.timeoutSeconds), sslContext());
    }

    /** Trust for https:// servers: --cacert, else $CFGSERVER_CACERT, else the JVM's default CAs (null). */
    private SSLContext sslContext() {
        Path caFile = global.caFile;
        String option = "--cacert";
        if (caFile == null) {
            String fromEnv = env.get("CFGSERVER_CACERT");
            if (fromEnv == null || fromEnv.isBlank()) {
                return null;
            }
            caFile = Path.of(fromEnv.trim());
            option = "CFGSERVER_CACERT";
        }
        try {
            return CaTrust.sslContext(caFile, option);
        } catch (CaTrust.CaFileException e) {
            throw new Usage(e.getMessage());
        }
    }

    private String token() {
        if (global.token != null) {
            return global.token;
        }
        if (global.tokenFile != null) {
            try {
                return Files.readString(global.tokenFile).trim();
            } catch (IOException e) {
                throw new Usage("--token-file " + global.tokenFile + " cannot be read: " + e.getMessage());
            }
        }
        String fromEnv = env.get("CFGSERVER_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        Path home = Path.of(System.getProperty("user.home"), ".config", "cfgserver", "token");
        try {
            return Files.isReadable(home) ? Files.readString(home).trim() : null;
        } catch (IOException e) {
            return null;
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Prints {@code answer} as JSON under {@code --json}, else with {@code table}. */
    int show(JsonNode answer, java.util.function.Consumer<JsonNode> table) {
        if (global.json) {
            try {
                out().println(Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            out().flush();
        } else {
            table.accept(answer);
            out().flush();
        }
        return 0;
    }

    /** A bad command line found after parsing (exit code 2). */
    static final class Usage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message);
        }
    }

    static String path(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code key=value} pairs: a value that reads as JSON (a number, true, null, [..]) is that, else a text. */
    static Map<String, JsonNode> pairs(List<String> args, String what) {
        Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
        if (args == null) {
            return m;
        }
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new Usage(what + " are key=value, got '" + a + "'");
            }
            String v = a.substring(eq + 1);
            JsonNode node;
            try {
                node = Api.JSON.readTree(v);
                if (node == null || node.isMissingNode()) {
                    node = Api.JSON.getNodeFactory().textNode(v);
                }
            } catch (IOException e) {
                node = Api.JSON.getNodeFactory().textNode(v);
            }
            m.put(a.substring(0, eq), node);
        }
        return m;
    }

    static JsonNode readJson(String fileOrDash) {
        try {
            String text = fileOrDash.equals("-") ? new String(System.in.readAllBytes())
                    : Files.readString(Path.of(fileOrDash));
            return Api.JSON.readTree(text);
        } catch (IOException e) {
            throw new Usage("cannot read JSON from " + fileOrDash + ": " + e.getMessage());
        }
    }

    static String ago(long millis) {
        if (millis <= 0) {
            return "never";
        }
        long s = Math.max(0, (System.currentTimeMillis() - millis) / 1000);
        return s < 120 ? s + "s ago" : s < 7200 ? s / 60 + "m ago" : s / 3600 + "h ago";
    }
}
