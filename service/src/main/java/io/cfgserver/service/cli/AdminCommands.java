package io.cfgserver.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The desired config and the registry's membership. */
final class AdminCommands {
    private AdminCommands() {
    }

    @Command(name = "config", description = "desired Redis and nutcracker settings", subcommands = {ConfigShow.class,
        ConfigSet.class, ConfigRollout.class, ConfigHistory.class, ConfigDrift.class, ConfigRollback.class})
    static final class ConfigCmd {
    }

    @Command(name = "show", description = "the newest config version (or --version N)")
    static final class ConfigShow extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Option(names = "--version", paramLabel = "N")
        Long version;

        @Override
        Integer run() {
            String q = version == null ? "" : "?version=" + version;
            return show(api().get("v1/clusters/" + path(cluster) + "/config" + q), a -> {
                out().printf("config version %d, rolled out %d%s%n", a.path("version").asLong(),
                        a.path("rolledOut").asLong(), a.path("pending").asBoolean() ? " (pending: roll it out)" : "");
                Table t = new Table("SCOPE", "PARAMETER", "VALUE");
                a.path("redis").fields().forEachRemaining(e -> t.row("redis", e.getKey(), e.getValue().asText()));
                a.path("nutcracker").fields().forEachRemaining(e -> t.row("nutcracker", e.getKey(), e.getValue().asText()));
                a.path("groups").fields().forEachRemaining(g -> g.getValue().path("redis").fields()
                        .forEachRemaining(e -> t.row("group " + g.getKey(), e.getKey(), e.getValue().asText())));
                a.path("instances").fields().forEachRemaining(i -> i.getValue().path("redis").fields()
                        .forEachRemaining(e -> t.row("instance " + i.getKey(), e.getKey(), e.getValue().asText())));
                t.print(out());
            });
        }
    }

    @Command(name = "set", description = "change settings: redis.maxmemory=256mb nutcracker.timeout=400"
            + " groups.g1.hz=20 instances.127.0.0.1:7002.hz=20; VALUE null removes one. Or --file with the PUT body")
    static final class ConfigSet extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1..*", paramLabel = "SCOPE.PARAM=VALUE")
        List<String> settings;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the PUT body as JSON (- for standard input)")
        String file;

        @Override
        Integer run() {
            ObjectNode body = file == null ? Api.JSON.createObjectNode() : (ObjectNode) requireObject(readJson(file));
            for (Map.Entry<String, JsonNode> e : pairs(settings, "settings").entrySet()) {
                String k = e.getKey();
                JsonNode v = e.getValue().isNumber() || e.getValue().isNull() || e.getValue().isBoolean()
                        || e.getValue().isTextual() ? e.getValue() : Api.JSON.getNodeFactory().textNode(e.getValue().toString());
                if (k.startsWith("redis.") || k.startsWith("nutcracker.")) {
                    int dot = k.indexOf('.');
                    body.with(k.substring(0, dot)).set(k.substring(dot + 1), v);
                } else if (k.startsWith("groups.") || k.startsWith("instances.")) {
                    int first = k.indexOf('.');
                    int last = k.lastIndexOf('.');
                    if (last <= first + 1) {
                        throw new Usage(k + ": say groups.<group>.<param>=value or instances.<host:port>.<param>=value");
                    }
                    String scope = k.substring(0, first);
                    String who = k.substring(first + 1, last);
                    body.with(scope).with(who).with("redis").set(k.substring(last + 1), v);
                } else {
                    throw new Usage(k + ": a setting starts with redis., nutcracker., groups.<g>. or instances.<host:port>.");
                }
            }
            if (body.isEmpty()) {
                throw new Usage("name at least one setting, e.g. redis.maxmemory-policy=allkeys-lru");
            }
            JsonNode a = api().put("v1/clusters/" + path(cluster) + "/config", body);
            return show(a, x -> out().printf("config version %d stored (rolled out: %d); roll it out: cfgserver config"
                    + " rollout %s%n", x.path("version").asLong(), x.path("rolledOut").asLong(), cluster));
        }

        private static JsonNode requireObject(JsonNode n) {
            if (n == null || !n.isObject()) {
                throw new Usage("--file must hold a JSON object like {\"redis\":{\"maxmemory\":\"256mb\"}}");
            }
            return n;
        }
    }

    @Command(name = "rollout", description = "start a config-rollout job (the newest version unless --version)")
    static final class ConfigRollout extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Option(names = "--version", paramLabel = "N")
        Long version;

        @Option(names = "--canary", paramLabel = "GROUP", description = "this group first, then wait for job resume")
        String canary;

        @Option(names = "--parallel", paramLabel = "N", description = "groups at a time (1-16)")
        Integer parallel;

        @Option(names = "--watch", description = "then watch it until it ends")
        boolean watch;

        @Override
        Integer run() {
            ObjectNode params = Api.JSON.createObjectNode();
            if (version != null) {
                params.put("version", version);
            }
            if (canary != null) {
                params.put("canary", canary);
            }
            if (parallel != null) {
                params.put("parallel", parallel);
            }
            ObjectNode body = Api.JSON.createObjectNode().put("type", "config-rollout");
            body.set("params", params);
            Api api = api();
            JsonNode a = api.post("v1/clusters/" + path(cluster) + "/jobs", body);
            String id = a.at("/job/id").asText();
            show(a, x -> out().printf("started %s (config-rollout) in %s%n", id, cluster));
            return watch ? JobCommands.JobWatch.watch(api, id, out(), global.json) : 0;
        }
    }

    @Command(name = "history", description = "the config versions kept")
    static final class ConfigHistory extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster) + "/config/history"), a -> {
                Table t = new Table("VERSION", "WHEN", "NOTE", "REDIS", "NUTCRACKER");
                for (JsonNode v : a.path("versions").isArray() ? a.path("versions") : a) {
                    t.row(v.path("version").asLong(), ago(v.path("atMillis").asLong()), v.path("note").asText(),
                            v.path("redis"), v.path("nutcracker"));
                }
                t.print(out());
            });
        }
    }

    @Command(name = "drift", description = "instances whose managed parameters differ from the rolled-out version")
    static final class ConfigDrift extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster) + "/config/drift"), a -> {
                Table t = new Table("INSTANCE", "PARAMETER", "EXPECTED", "ACTUAL", "SINCE");
                JsonNode drift = a.has("drift") ? a.path("drift") : a;
                drift.fields().forEachRemaining(e -> e.getValue().forEach(d -> t.row(e.getKey(), d.path("param").asText(),
                        d.path("expected").asText(), d.path("actual").asText(), ago(d.path("sinceMillis").asLong()))));
                t.print(out());
            });
        }
    }

    @Command(name = "rollback", description = "store a new version with the content of version N (roll it out after)")
    static final class ConfigRollback extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "VERSION")
        long version;

        @Override
        Integer run() {
            JsonNode a = api().post("v1/clusters/" + path(cluster) + "/config/rollback?version=" + version, Map.of());
            return show(a, x -> out().printf("config version %d stored with the content of version %d; roll it out:"
                    + " cfgserver config rollout %s%n", x.path("version").asLong(), version, cluster));
        }
    }

    @Command(name = "registry", description = "the registry's Raft group", subcommands = {RegistryStatus.class,
        AddPeer.class, RemovePeer.class})
    static final class RegistryCmd {
    }

    @Command(name = "status", description = "each peer's role, term and indexes, as each answers")
    static final class RegistryStatus extends Leaf {
        @Override
        Integer run() {
            Api api = api();
            JsonNode first = api.get("v1/registry");
            if (global.json) {
                return show(first, x -> {
                });
            }
            out().printf("leader %s, term %d%n", first.path("leaderId").asText("none"), first.path("term").asLong());
            Table t = new Table("PEER", "RAFT ADDRESS", "ROLE (as it answers)", "COMMIT", "APPLIED");
            for (JsonNode p : first.path("peers")) {
                t.row(p.path("id").asText(), p.path("address").asText(),
                        p.path("id").asText().equals(first.path("peerId").asText()) ? first.path("role").asText() : "-",
                        p.path("id").asText().equals(first.path("peerId").asText()) ? first.path("commitIndex").asLong()
                                : "-",
                        p.path("id").asText().equals(first.path("peerId").asText()) ? first.path("appliedIndex").asLong()
                                : "-");
            }
            t.print(out());
            out().printf("(answered by %s; ask another peer with --server to see its view)%n",
                    first.path("peerId").asText());
            return 0;
        }
    }

    @Command(name = "add-peer", description = "add a peer to the Raft group (start it first)")
    static final class AddPeer extends Leaf {
        @Parameters(index = "0", paramLabel = "PEER")
        String id;

        @Parameters(index = "1", paramLabel = "RAFT-ADDRESS", description = "host:port of its Raft transport")
        String address;

        @Override
        Integer run() {
            return show(api().post("v1/registry/peers", Map.of("id", id, "address", address)),
                    x -> out().println("peer " + id + " added"));
        }
    }

    @Command(name = "remove-peer", description = "remove a peer from the Raft group")
    static final class RemovePeer extends Leaf {
        @Parameters(index = "0", paramLabel = "PEER")
        String id;

        @Override
        Integer run() {
            return show(api().delete("v1/registry/peers/" + path(id)), x -> out().println("peer " + id + " removed"));
        }
    }

    @Command(name = "audit", description = "the audit log: who changed what, and who was refused (operator or admin token)")
    static final class Audit extends Leaf {
        @Option(names = "--who", description = "only this caller (a token's name, anonymous, unknown-token:...)")
        String who;

        @Option(names = "--outcome", description = "ok, refused, rejected or failed")
        String outcome;

        @Option(names = "--limit", defaultValue = "30", description = "the newest N lines (at most 1000; default 30)")
        int limit;

        @Override
        Integer run() {
            StringBuilder q = new StringBuilder("v1/audit?limit=").append(limit);
            if (who != null) {
                q.append("&who=").append(path(who));
            }
            if (outcome != null) {
                q.append("&outcome=").append(path(outcome));
            }
            return show(api().get(q.toString()), a -> {
                Table t = new Table("SEQ", "WHEN", "WHO", "ROLE", "FROM", "REQUEST", "STATUS", "MESSAGE");
                for (JsonNode l : a) {
                    String msg = l.path("message").asText();
                    t.row(l.path("seq").asLong(), java.time.Instant.ofEpochMilli(l.path("atMillis").asLong()).toString(),
                            l.path("who").asText(), l.path("role").asText(), l.path("from").asText(),
                            l.path("method").asText() + " " + l.path("path").asText(), l.path("status").asInt(),
                            msg.length() > 60 ? msg.substring(0, 57) + "..." : msg);
                }
                t.print(out());
            });
        }
    }
}
