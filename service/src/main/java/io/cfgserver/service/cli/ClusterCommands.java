package io.cfgserver.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Clusters, groups, replicas, proxies, slots and policy: the topology's commands. */
final class ClusterCommands {
    private ClusterCommands() {
    }

    @Command(name = "cluster", description = "clusters", subcommands = {ClusterList.class, ClusterShow.class,
        ClusterCreate.class, ClusterDelete.class})
    static final class Cluster {
    }

    @Command(name = "list", description = "every cluster: version, groups, proxies")
    static final class ClusterList extends Leaf {
        @Override
        Integer run() {
            return show(api().get("v1/clusters"), a -> {
                Table t = new Table("NAME", "VERSION", "GROUPS", "PROXIES");
                a.forEach(c -> t.row(c.path("name").asText(), c.path("version").asLong(), c.path("groups").asInt(),
                        c.path("proxies").asInt()));
                t.print(out());
            });
        }
    }

    @Command(name = "show", description = "one cluster: groups with master and replicas, slots, proxies")
    static final class ClusterShow extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String name;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(name)), a -> {
                JsonNode c = a.path("cluster");
                out().printf("cluster %s  version %d  policy: autoFailover=%s proxyFencing=%s%n", c.path("name").asText(),
                        c.path("version").asLong(), c.at("/policy/autoFailover").asText(),
                        c.at("/policy/proxyFencing").asText());
                Table t = new Table("GROUP", "EPOCH", "SLOTS", "MASTER", "REPLICAS", "FAILOVER");
                for (JsonNode g : c.path("groups")) {
                    List<String> reps = new ArrayList<>();
                    for (JsonNode r : g.path("replicas")) {
                        reps.add(r.path("address").asText() + (r.path("banned").asBoolean() ? " (banned)" : "")
                                + (r.path("stale").asBoolean() ? " (stale)" : ""));
                    }
                    JsonNode f = g.path("failover");
                    t.row(g.path("id").asText(), g.path("epoch").asLong(), a.at("/slotsPerGroup/" + g.path("id").asText())
                            .asInt(0), g.at("/master/address").asText(), reps.isEmpty() ? "-" : String.join(", ", reps),
                            f.isNull() || f.isMissingNode() ? "-" : f.path("state").asText());
                }
                t.print(out());
                Table p = new Table("PROXY", "LISTEN", "SERVED VERSION", "LAST ACK");
                for (JsonNode x : c.path("proxies")) {
                    p.row(x.path("id").asText(), x.path("listen").asText(), x.path("servedVersion").asLong(),
                            ago(x.path("lastAckMillis").asLong()));
                }
                p.print(out());
                for (JsonNode m : c.path("migrations")) {
                    out().printf("migrating slots %d-%d %s -> %s (%s, job %s)%n", m.path("from").asInt(),
                            m.path("to").asInt(), m.path("source").asText(), m.path("target").asText(),
                            m.path("state").asText(), m.path("job").asText());
                }
            });
        }
    }

    @Command(name = "create", description = "create a cluster from a JSON file: {\"name\",\"groups\":[{\"id\","
            + "\"master\",\"replicas\":[...]}],\"proxies\":[{\"id\",\"listen\"}]}")
    static final class ClusterCreate extends Leaf {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the cluster's JSON (- for"
                + " standard input)")
        String file;

        @Override
        Integer run() {
            JsonNode a = api().post("v1/clusters", readJson(file));
            return show(a, x -> out().printf("created cluster %s (version %d)%n", x.at("/cluster/name").asText(
                    x.path("name").asText()), x.at("/cluster/version").asLong(x.path("version").asLong())));
        }
    }

    @Command(name = "delete", description = "delete a cluster (refused while a job runs)")
    static final class ClusterDelete extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String name;

        @Override
        Integer run() {
            return show(api().delete("v1/clusters/" + path(name)), x -> out().println("deleted cluster " + name));
        }
    }

    @Command(name = "group", description = "groups (a master and its replicas)", subcommands = {GroupAdd.class,
        GroupRemove.class, GroupSwitchover.class})
    static final class GroupCmd {
    }

    @Command(name = "add", description = "register a group (it owns no slots until a job or slots assign some)")
    static final class GroupAdd extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP")
        String id;

        @Option(names = "--master", required = true, paramLabel = "HOST:PORT")
        String master;

        @Option(names = "--replica", paramLabel = "HOST:PORT", description = "repeat for each replica")
        List<String> replicas = new ArrayList<>();

        @Override
        Integer run() {
            Map<String, Object> body = Map.of("id", id, "master", master, "replicas", replicas);
            return show(api().post("v1/clusters/" + path(cluster) + "/groups", body),
                    x -> out().println("added group " + id + " to " + cluster));
        }
    }

    @Command(name = "remove", description = "remove a group that owns no slots")
    static final class GroupRemove extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP")
        String id;

        @Override
        Integer run() {
            return show(api().delete("v1/clusters/" + path(cluster) + "/groups/" + path(id)),
                    x -> out().println("removed group " + id + " from " + cluster));
        }
    }

    @Command(name = "switchover", description = "planned switchover to a replica (Redis FAILOVER TO): loses nothing")
    static final class GroupSwitchover extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP")
        String id;

        @Option(names = "--target", paramLabel = "HOST:PORT", description = "the replica to promote (default: the best)")
        String target;

        @Override
        Integer run() {
            ObjectNode body = Api.JSON.createObjectNode();
            if (target != null) {
                body.put("target", target);
            }
            Api api = api();
            JsonNode a = api.call("POST", "v1/clusters/" + path(cluster) + "/groups/" + path(id) + "/switchover", body,
                    java.time.Duration.ofSeconds(Math.max(global.timeoutSeconds, 30)));
            return show(a, x -> out().printf("group %s: %s -> %s, epoch %d: %s%n", id, x.path("from").asText("?"),
                    x.path("to").asText("?"), x.path("epoch").asLong(), x.path("outcome").asText("?")));
        }
    }

    @Command(name = "replica", description = "replicas (registry only; the add-replica job attaches a new one)",
            subcommands = {ReplicaAdd.class, ReplicaRemove.class})
    static final class ReplicaCmd {
    }

    @Command(name = "add", description = "register a replica of a group")
    static final class ReplicaAdd extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP")
        String group;

        @Parameters(index = "2", paramLabel = "HOST:PORT")
        String address;

        @Option(names = "--priority", description = "higher is promoted first (default 100)")
        Integer priority;

        @Override
        Integer run() {
            ObjectNode body = Api.JSON.createObjectNode().put("address", address);
            if (priority != null) {
                body.put("priority", priority);
            }
            return show(api().post("v1/clusters/" + path(cluster) + "/groups/" + path(group) + "/replicas", body),
                    x -> out().println("registered replica " + address + " of " + group));
        }
    }

    @Command(name = "remove", description = "unregister a replica")
    static final class ReplicaRemove extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP")
        String group;

        @Parameters(index = "2", paramLabel = "HOST:PORT")
        String address;

        @Override
        Integer run() {
            return show(api().delete("v1/clusters/" + path(cluster) + "/groups/" + path(group) + "/replicas/"
                    + path(address)), x -> out().println("removed replica " + address + " of " + group));
        }
    }

    @Command(name = "proxy", description = "proxies (twemproxy with its agent)", subcommands = {ProxyList.class,
        ProxyAdd.class, ProxyRemove.class})
    static final class ProxyCmd {
    }

    @Command(name = "list", description = "proxies: served version, standing, lease")
    static final class ProxyList extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster) + "/proxies"), a -> {
                Table t = new Table("PROXY", "LISTEN", "STANDING", "SERVED", "BEHIND", "LEASE LEFT");
                for (JsonNode v : a) {
                    JsonNode p = v.path("proxy");
                    t.row(p.path("id").asText(), p.path("listen").asText(), v.path("standing").asText(),
                            p.path("servedVersion").asLong(), v.path("versionsBehind").asLong(),
                            v.path("leaseRemainingMillis").asLong() + " ms");
                }
                t.print(out());
            });
        }
    }

    @Command(name = "add", description = "register a proxy")
    static final class ProxyAdd extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "PROXY")
        String id;

        @Parameters(index = "2", paramLabel = "LISTEN", description = "host:port nutcracker listens on")
        String listen;

        @Override
        Integer run() {
            return show(api().post("v1/clusters/" + path(cluster) + "/proxies", Map.of("id", id, "listen", listen)),
                    x -> out().println("registered proxy " + id + " (" + listen + ")"));
        }
    }

    @Command(name = "remove", description = "unregister a proxy")
    static final class ProxyRemove extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "PROXY")
        String id;

        @Override
        Integer run() {
            return show(api().delete("v1/clusters/" + path(cluster) + "/proxies/" + path(id)),
                    x -> out().println("removed proxy " + id));
        }
    }

    @Command(name = "slots", description = "the slot map", subcommands = {SlotsShow.class})
    static final class SlotsCmd {
    }

    @Command(name = "show", description = "slot runs and slots per group")
    static final class SlotsShow extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster)), a -> {
                Table runs = new Table("SLOTS", "GROUP");
                for (JsonNode r : a.at("/cluster/slots")) {
                    runs.row(r.path("from").asInt() + "-" + r.path("to").asInt(), r.path("group").asText());
                }
                runs.print(out());
                Table per = new Table("GROUP", "SLOTS");
                a.path("slotsPerGroup").fields().forEachRemaining(e -> per.row(e.getKey(), e.getValue().asInt()));
                per.print(out());
            });
        }
    }

    @Command(name = "policy", description = "a cluster's policy", subcommands = {PolicyShow.class, PolicySet.class})
    static final class PolicyCmd {
    }

    @Command(name = "show", description = "the policy's fields")
    static final class PolicyShow extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster) + "/policy"), x -> fieldsTo(x, out()));
        }
    }

    @Command(name = "set", description = "change fields, e.g. autoFailover=false downAfterMillis=2000")
    static final class PolicySet extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "FIELD=VALUE")
        List<String> fields;

        @Override
        Integer run() {
            JsonNode a = api().put("v1/clusters/" + path(cluster) + "/policy", pairs(fields, "policy fields"));
            return show(a, x -> fieldsTo(x, out()));
        }
    }

    static void fieldsTo(JsonNode a, java.io.PrintWriter out) {
        Table t = new Table("FIELD", "VALUE");
        a.fields().forEachRemaining(e -> t.row(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                : e.getValue().toString()));
        t.print(out);
    }

    @Command(name = "maintenance", description = "maintenance windows: no automatic failover or ban while Redis is"
            + " restarted on purpose", subcommands = {MaintenanceList.class, MaintenanceOn.class, MaintenanceOff.class})
    static final class MaintenanceCmd {
    }

    @Command(name = "list", description = "the active windows of a cluster")
    static final class MaintenanceList extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster) + "/maintenance"), a -> {
                Table t = new Table("TARGET", "LEFT", "BY", "REASON");
                a.forEach(w -> t.row(w.path("target").asText(), w.path("secondsLeft").asLong() + " s",
                        w.path("by").asText("-"), w.path("reason").asText("")));
                t.print(out());
            });
        }
    }

    @Command(name = "on", description = "start (or extend) a window on a group or an instance, e.g. on demo g1 --for 10m")
    static final class MaintenanceOn extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP|HOST:PORT")
        String target;

        @Option(names = "--for", required = true, paramLabel = "DURATION", description = "how long: 90s, 10m, 2h (at most 7d)")
        String duration;

        @Option(names = "--reason", description = "what it is for (shown in events)")
        String reason;

        @Override
        Integer run() {
            ObjectNode body = Api.JSON.createObjectNode().put("seconds", seconds(duration));
            if (reason != null) {
                body.put("reason", reason);
            }
            return show(api().put("v1/clusters/" + path(cluster) + "/maintenance/" + path(target), body),
                    w -> out().printf("%s in maintenance for %d s: no automatic failover or ban%n", w.path("target").asText(),
                            w.path("secondsLeft").asLong()));
        }
    }

    @Command(name = "off", description = "end a window now")
    static final class MaintenanceOff extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "GROUP|HOST:PORT")
        String target;

        @Override
        Integer run() {
            return show(api().delete("v1/clusters/" + path(cluster) + "/maintenance/" + path(target)),
                    x -> out().println(target + ": maintenance ended"));
        }
    }

    /** {@code 90}, {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d} as seconds. */
    static long seconds(String d) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,7})([smhd]?)").matcher(d == null ? "" : d.trim());
        if (!m.matches()) {
            throw new Leaf.Usage("--for takes a duration like 90s, 10m, 2h or 1d, got '" + d + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> n * 60;
            case "h" -> n * 3600;
            case "d" -> n * 86400;
            default -> n;
        };
    }
}
