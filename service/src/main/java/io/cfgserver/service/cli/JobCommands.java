package io.cfgserver.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Jobs (Temporal workflows), plans and the event log. */
final class JobCommands {
    private JobCommands() {
    }

    @Command(name = "job", description = "long jobs: add-replica, migrate-slots, scale-out, scale-in, rebalance,"
            + " config-rollout", subcommands = {JobStart.class, JobList.class, JobShow.class, JobWatch.class,
                JobPause.class, JobResume.class, JobCancel.class})
    static final class JobCmd {
    }

    /** {@code key=value} params, or {@code --params JSON}; both may be given (pairs win). */
    abstract static class WithParams extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Parameters(index = "1", paramLabel = "TYPE")
        String type;

        @Parameters(index = "2..*", paramLabel = "PARAM=VALUE", description = "job params, e.g. group=g1"
                + " address=127.0.0.1:7003")
        List<String> params;

        @Option(names = "--params", paramLabel = "JSON", description = "the params as one JSON object")
        String paramsJson;

        ObjectNode body() {
            ObjectNode p = Api.JSON.createObjectNode();
            if (paramsJson != null) {
                JsonNode n;
                try {
                    n = Api.JSON.readTree(paramsJson);
                } catch (java.io.IOException e) {
                    throw new Usage("--params is not JSON: " + e.getMessage());
                }
                if (n == null || !n.isObject()) {
                    throw new Usage("--params must be a JSON object, e.g. {\"group\":\"g1\"}");
                }
                p.setAll((ObjectNode) n);
            }
            pairs(params, "job params").forEach(p::set);
            ObjectNode body = Api.JSON.createObjectNode().put("type", type);
            body.set("params", p);
            return body;
        }
    }

    @Command(name = "start", description = "start a job, e.g. job start demo add-replica group=g1 address=127.0.0.1:7003")
    static final class JobStart extends WithParams {
        @Option(names = "--watch", description = "then watch it until it ends")
        boolean watch;

        @Override
        Integer run() {
            Api api = api();
            JsonNode a = api.post("v1/clusters/" + path(cluster) + "/jobs", body());
            String id = a.at("/job/id").asText();
            show(a, x -> out().printf("started %s (%s) in %s%n", id, type, cluster));
            return watch ? JobWatch.watch(api, id, out(), global.json) : 0;
        }
    }

    @Command(name = "list", description = "a cluster's jobs")
    static final class JobList extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Override
        Integer run() {
            return show(api().get("v1/clusters/" + path(cluster) + "/jobs"), a -> {
                Table t = new Table("JOB", "TYPE", "STATE", "UPDATED", "MESSAGE");
                a.forEach(j -> t.row(j.path("id").asText(), j.path("type").asText(), j.path("state").asText(),
                        ago(j.path("updatedMillis").asLong()), j.path("message").asText()));
                t.print(out());
            });
        }
    }

    @Command(name = "show", description = "one job: state, step, running activities")
    static final class JobShow extends Leaf {
        @Parameters(index = "0", paramLabel = "JOB")
        String id;

        @Override
        Integer run() {
            return show(api().get("v1/jobs/" + path(id)), a -> {
                JsonNode j = a.path("job");
                out().printf("job %s  %s in %s  %s%n", j.path("id").asText(), j.path("type").asText(),
                        j.path("cluster").asText(), j.path("state").asText());
                out().printf("params   %s%n", j.path("params"));
                JsonNode p = a.path("progress");
                if (p.isObject()) {
                    out().printf("step     %d/%d %s: %s%s%n", p.path("stepIndex").asInt(), p.path("totalSteps").asInt(),
                            p.path("step").asText(), p.path("detail").asText(), p.path("paused").asBoolean()
                                    ? " (pause requested)" : "");
                }
                if (!j.path("message").asText().isEmpty()) {
                    out().printf("message  %s%n", j.path("message").asText());
                }
                for (JsonNode act : a.path("activities")) {
                    out().printf("activity %s attempt %d %s %s%n", act.path("type").asText(), act.path("attempt").asInt(),
                            act.path("state").asText(), act.path("heartbeat").isMissingNode() ? "" : act.path("heartbeat"));
                }
                if (a.hasNonNull("temporalError")) {
                    out().printf("temporal %s%n", a.path("temporalError").asText());
                }
            });
        }
    }

    @Command(name = "watch", description = "a progress bar with the job's step, rate and ETA until it ends (exit 0 when"
            + " it succeeded, 1 when it failed or was cancelled)")
    static final class JobWatch extends Leaf {
        @Parameters(index = "0", paramLabel = "JOB")
        String id;

        @Override
        Integer run() {
            return watch(api(), id, out(), global.json);
        }

        static int watch(Api api, String id, PrintWriter out, boolean json) {
            Progress bar = new Progress(System.console() != null && !json);
            String last = null;
            while (true) {
                JsonNode a = api.get("v1/jobs/" + path(id));
                String state = a.at("/job/state").asText();
                String line = bar.line(a, System.nanoTime());
                if (json) {
                    out.println(a.toString());
                } else if (bar.redraw) {
                    out.print("\r" + line + " ".repeat(Math.max(0, 100 - line.length())));
                } else if (!line.equals(last)) {
                    out.println(line);
                }
                out.flush();
                last = line;
                if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                    if (bar.redraw) {
                        out.println();
                    }
                    String message = a.at("/job/message").asText();
                    if (!json) {
                        out.println(id + " " + state + (message.isEmpty() ? "" : ": " + message));
                    }
                    out.flush();
                    return state.equals("SUCCEEDED") ? 0 : 1;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
        }
    }

    /** One line: bar, step, keys and rate when the activity reports them, ETA. */
    static final class Progress {
        final boolean redraw;
        private final long startNanos = System.nanoTime();

        Progress(boolean redraw) {
            this.redraw = redraw;
        }

        String line(JsonNode a, long nowNanos) {
            JsonNode p = a.path("progress");
            int index = p.path("stepIndex").asInt(0);
            int total = Math.max(1, p.path("totalSteps").asInt(1));
            String state = a.at("/job/state").asText();
            double done = state.equals("SUCCEEDED") ? 1.0 : Math.max(0, index - 1) / (double) total;
            String keys = "";
            String eta = "";
            for (JsonNode act : a.path("activities")) {
                JsonNode h = act.path("heartbeat");
                long copied = h.path("keysCopied").asLong(-1);
                long estimate = h.path("keysEstimate").asLong(-1);
                if (copied >= 0 && estimate > 0) {
                    double stepShare = Math.min(1.0, copied / (double) estimate);
                    done = (Math.max(0, index - 1) + stepShare) / total;
                    long rate = h.path("keysPerSecond").asLong(0);
                    keys = String.format("  keys %d/%d %s%d/s", copied, estimate, h.path("phase").asText("") + " ", rate);
                    if (rate > 0) {
                        eta = "  ETA " + Math.max(0, (estimate - copied) / rate) + "s (this move)";
                    }
                }
            }
            if (eta.isEmpty() && done > 0 && done < 1) {
                long elapsed = (nowNanos - startNanos) / 1_000_000_000L;
                eta = elapsed > 0 ? "  ETA ~" + Math.round(elapsed / done * (1 - done)) + "s" : "";
            }
            int width = 24;
            int filled = (int) Math.round(done * width);
            String barText = "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
            return String.format("%s %3d%%  %d/%d %s  %s%s%s%s", barText, Math.round(done * 100), index, total,
                    p.path("step").asText("-"), state, p.path("paused").asBoolean() ? " (pause requested)" : "", keys, eta);
        }
    }

    abstract static class Control extends Leaf {
        @Parameters(index = "0", paramLabel = "JOB")
        String id;

        int control(String verb) {
            JsonNode a = api().post("v1/jobs/" + path(id) + "/" + verb, Map.of());
            return show(a, x -> out().printf("%s: %s requested (%s)%n", id, verb, x.at("/job/state").asText(
                    x.path("state").asText("ok"))));
        }
    }

    @Command(name = "pause", description = "park the job at its next step boundary")
    static final class JobPause extends Control {
        @Override
        Integer run() {
            return control("pause");
        }
    }

    @Command(name = "resume", description = "resume a paused job (after a canary, after fixing what stopped it)")
    static final class JobResume extends Control {
        @Override
        Integer run() {
            return control("resume");
        }
    }

    @Command(name = "cancel", description = "cancel a job (refused past its commit point, with the reason)")
    static final class JobCancel extends Control {
        @Override
        Integer run() {
            return control("cancel");
        }
    }

    @Command(name = "plan", description = "what a scale-out, scale-in or rebalance would move, without running it")
    static final class Plan extends WithParams {
        @Override
        Integer run() {
            return show(api().post("v1/clusters/" + path(cluster) + "/plans", body()), a -> {
                JsonNode plan = a.path("plan");
                Table t = new Table("SLOTS", "FROM", "TO", "KEYS", "BYTES");
                for (JsonNode m : plan.path("moves")) {
                    t.row(m.path("from").asInt() + "-" + m.path("to").asInt(), m.path("source").asText(),
                            m.path("target").asText(), m.path("keys").asLong(), m.path("bytes").asLong());
                }
                t.print(out());
                out().println(plan.path("summary").asText());
                out().printf("moves %d, ETA %s s; run exactly this plan: cfgserver job start %s %s --params '%s'%n",
                        plan.path("moves").size(), plan.path("etaSeconds").asText("?"), cluster, type,
                        a.at("/start/params"));
            });
        }
    }

    @Command(name = "events", description = "a cluster's event log (+sdown, +odown, +failover-start, ...)")
    static final class Events extends Leaf {
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;

        @Option(names = {"-f", "--follow"}, description = "keep printing new events (Ctrl-C to stop)")
        boolean follow;

        @Option(names = "--limit", defaultValue = "50", description = "the last N events (default ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--after", defaultValue = "0", paramLabel = "SEQ", description = "events after this sequence number")
        long after;

        @Override
        Integer run() throws InterruptedException {
            if (limit < 1 || limit > 1000) {
                throw new Usage("--limit must be between 1 and 1000, got " + limit);
            }
            Api api = api();
            long seq = after;
            if (seq == 0) {
                JsonNode all = api.get("v1/clusters/" + path(cluster) + "/events?limit=1000");
                long lastSeq = all.size() == 0 ? 0 : all.get(all.size() - 1).path("seq").asLong();
                seq = Math.max(0, lastSeq - limit);
            }
            do {
                JsonNode batch = api.get("v1/clusters/" + path(cluster) + "/events?afterSeq=" + seq + "&limit=" + limit);
                for (JsonNode e : batch) {
                    seq = Math.max(seq, e.path("seq").asLong());
                    if (global.json) {
                        out().println(e.toString());
                    } else {
                        out().printf("%6d %s %-22s %-28s %s%n", e.path("seq").asLong(),
                                java.time.Instant.ofEpochMilli(e.path("atMillis").asLong()), e.path("type").asText(),
                                e.path("subject").asText(), e.path("message").asText());
                    }
                }
                out().flush();
                if (follow) {
                    Thread.sleep(500);
                }
            } while (follow);
            return 0;
        }
    }
}
