package io.cfgserver.service.agent;

import io.cfgserver.registry.fencing.EvidenceReader;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.render.NutcrackerConfig;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.service.agent.RegistryHttp.RegistryUnreachableException;
import io.cfgserver.service.agent.RegistryHttp.Renewal;
import io.cfgserver.service.tls.CaTrust;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent beside one nutcracker. One loop: renew the lease (which also acks the version served),
 * then long-poll the registry for a newer topology; on a newer one render, check, restart, PING,
 * and ack at once.
 *
 * <p>When no renewal succeeds before the lease ends, the cluster's {@link ProxyFencing} decides
 * (docs/agent.md, "Static stability"): {@code strict} stops nutcracker; {@code per-group} keeps it
 * serving the last map, unmanaged, and checks every group's master from the data plane each round,
 * routing the slots of a group whose evidence fails to {@link NutcrackerConfig#FENCE}; {@code off}
 * keeps serving. Either way the watchdog stops nutcracker once the agent has not vouched for it
 * (renewal or evidence round) for the time in the lease file, so a dead agent fences too.
 */
public final class ProxyAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyAgent.class);
    private static final Duration READY = Duration.ofSeconds(5);
    /** A fenced group serves again once its evidence has held this many rounds in a row. */
    static final int ROUNDS_TO_READMIT = 3;
    /** "Never" for the watchdog under proxy fencing off: about a century. */
    private static final long FOREVER_MILLIS = 100L * 365 * 24 * 3600 * 1000;

    private final AgentConfig config;
    private final RegistryHttp registry;
    private final Nutcracker nutcracker;
    private final EvidenceReader evidence;
    private final String id;
    private final long renewEveryMillis;
    private volatile boolean stopping;
    private volatile long servedVersion;
    private volatile long leaseEndMillis;
    /** The map nutcracker serves (null before the first). */
    private Cluster map;
    /** What to do once the lease has ended, as the registry last said (or the map's policy). */
    private ProxyFencing fencing;
    /** Strict fencing: nutcracker stopped because the lease ended. */
    private volatile boolean fenced;
    /** Per-group fencing: since when (epoch ms) the agent serves without the registry; 0 when managed. */
    private volatile long unmanagedSinceMillis;
    /** Per-group fencing: the groups routed to the fence, with why. */
    private volatile Map<String, String> fencedGroups = new TreeMap<>();
    private final Map<String, Integer> heldRounds = new HashMap<>();
    private long nextEvidenceMillis;
    private long lastVouchMillis;
    /** After an unmanaged spell with fenced groups: render the registry's map again even if its version is old. */
    private boolean reserve;
    private String rejectedConfig;
    /** Served but not yet written to the work dir (written once the renewal that acks it is sent). */
    private Cluster pendingRecord;
    private long switchedNanos;
    private long rejectedVersion;
    private final AgentCounters counters = new AgentCounters();

    public ProxyAgent(AgentConfig config) throws IOException {
        this.config = config;
        config.settings.validated();
        if (config.unattendedMillis < config.leaseMillis) {
            throw new IllegalArgumentException("unattendedMillis (" + config.unattendedMillis
                    + ") must be at least leaseMillis (" + config.leaseMillis + ")");
        }
        this.registry = new RegistryHttp(config.registry, config.token,
                config.caFile == null || config.caFile.isBlank() ? null : CaTrust.sslContext(Path.of(config.caFile), "caFile"));
        this.nutcracker = new Nutcracker(Path.of(config.nutcracker.binary), Path.of(config.nutcracker.workDir),
                config.nutcracker.statsPort, config.nutcracker.statsIntervalMillis);
        this.evidence = new EvidenceReader(config.evidence.timeoutMillis);
        this.id = "proxy-[" + config.proxyId + "]";
        this.renewEveryMillis = Math.max(100, config.leaseMillis / 3);
    }

    /** Runs until {@link #close()}. */
    public void run() throws IOException, InterruptedException {
        map = nutcracker.recordedMap().filter(m -> m.name().equals(config.cluster)).orElse(null);
        fencing = nutcracker.recordedStatus().map(s -> s.path("fencing").asText(null)).map(this::parseFencing)
                .orElse(map == null ? ProxyFencing.PER_GROUP : map.policy().proxyFencing());
        if (nutcracker.adopt()) {
            servedVersion = Math.max(versionOf(nutcracker.runningConfig()), nutcracker.servedVersion());
            // carry on the predecessor's unmanaged spell: its fenced groups stay fenced until the registry answers
            nutcracker.recordedStatus().filter(s -> !s.path("managed").asBoolean(true)).ifPresent(s -> {
                unmanagedSinceMillis = s.path("unmanagedSinceMillis").asLong(System.currentTimeMillis());
                s.path("fencedGroups").fields().forEachRemaining(e -> fencedGroups.put(e.getKey(), e.getValue().asText()));
            });
            LOG.info("+proxy-adopt {} nutcracker left running by an earlier agent, serving version {}{}", id, servedVersion,
                    fencedGroups.isEmpty() ? "" : " with groups fenced: " + fencedGroups.keySet());
        }
        while (!stopping) {
            long sentAt = System.currentTimeMillis();
            try {
                Renewal r = registry.renew(config.cluster, config.proxyId, servedVersion, config.leaseMillis,
                        config.unattendedMillis, Duration.ofMillis(renewEveryMillis));
                leaseEndMillis = sentAt + config.leaseMillis;
                counters.renewals.incrementAndGet();
                if (pendingRecord != null) {
                    long ackedAfter = (System.nanoTime() - switchedNanos) / 1_000_000;
                    recordServed();
                    LOG.debug("proxy-switch timings {} version {}: acked {} ms after the switch", id, servedVersion, ackedAfter);
                }
                lookForLeader(r);
                if (r.fencing() != null && r.fencing() != fencing) {
                    LOG.info("proxy fencing of cluster-[{}] is {}", config.cluster, r.fencing().wire());
                    fencing = r.fencing();
                }
                vouch(sentAt);
                if (fenced) {
                    fenced = false;
                    LOG.info("-fenced {} lease renewed through {}", id, registry.currentPeer());
                    registry.event(config.cluster, "-fenced", id, "lease renewed");
                }
                if (unmanagedSinceMillis > 0) {
                    managedAgain(sentAt);
                }
                // A version whose config nutcracker refused is not retried until a newer one comes.
                long known = Math.max(servedVersion, rejectedVersion);
                boolean restartDue = (!nutcracker.alive() && rejectedVersion < r.latestVersion()) || reserve;
                long wait = (restartDue || r.latestVersion() > known) ? 0 : renewEveryMillis;
                Cluster c = registry.watch(config.cluster, reserve ? 0 : known, wait,
                        Duration.ofMillis(wait + renewEveryMillis + 500));
                if (c.version() > known || reserve || (!nutcracker.alive() && rejectedVersion < c.version())) {
                    reserve = false;
                    serve(c);
                }
            } catch (RegistryHttp.ProxyUnknownException e) {
                // removed from the registry (or its cluster deleted): serve nothing, whatever the fencing
                if (nutcracker.alive()) {
                    LOG.warn("-proxy-unknown {}: {}; nutcracker stopped", id, e.getMessage());
                    nutcracker.stop();
                }
                Thread.sleep(renewEveryMillis);
            } catch (RegistryUnreachableException e) {
                recordServed(); // the ack's renewal failed: the files must not wait for the next one
                LOG.debug("registry call failed: {}", e.getMessage());
                counters.registryFailures.incrementAndGet();
                registry.rotate();
                registryUnreachable(e.getMessage());
                Thread.sleep(50);
            }
        }
    }

    /**
     * With {@code preferLeader}: a renewal taken by a follower moves the agent to the next peer, so the
     * watch that follows and the next renewal go there; once a peer says it leads the agent stays. At
     * most one full turn over the peers without finding a leader (an election going on), then it stays
     * where it is for {@link #LEADER_SEARCH_PAUSE} renewals before it looks again.
     */
    private void lookForLeader(Renewal r) {
        if (!config.preferLeader || r.leader() == null) {
            return;
        }
        if (r.leader()) {
            if (followerHops > 0 || !onLeader) {
                LOG.debug("{} watches and renews on the registry's leader {}", id, registry.currentPeer());
            }
            onLeader = true;
            followerHops = 0;
            return;
        }
        onLeader = false;
        followerHops++;
        if (followerHops < registry.peerCount()) {
            registry.rotate();
        } else if (followerHops >= registry.peerCount() + LEADER_SEARCH_PAUSE) {
            followerHops = 0;
        }
    }

    private static final int LEADER_SEARCH_PAUSE = 10;
    private int followerHops;
    private boolean onLeader;

    private ProxyFencing parseFencing(String s) {
        try {
            return ProxyFencing.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Tells the watchdog how long nutcracker may run from {@code at} on without another word from this
     * agent: the lease under strict fencing (the registry counts the proxy stopped when the lease ends),
     * {@code unattendedMillis} under per-group fencing, after a renewal (the registry was told) as after
     * a round of data-plane checks (long enough for a restarted agent to adopt nutcracker while the
     * registry is gone; a slot move's cut-over waits that long past its stamp for a silent proxy).
     */
    private void vouch(long at) throws IOException {
        long stopAt = switch (fencing) {
            case STRICT -> at + config.leaseMillis;
            case PER_GROUP -> at + config.unattendedMillis;
            case OFF -> at + FOREVER_MILLIS;
        };
        nutcracker.writeLease(stopAt);
        lastVouchMillis = at;
    }

    private void registryUnreachable(String why) throws InterruptedException, IOException {
        long now = System.currentTimeMillis();
        if (now < leaseEndMillis) {
            return;
        }
        switch (fencing) {
            case STRICT -> checkFence(why);
            case OFF -> {
                unmanaged(now, why);
                if (map != null && !nutcracker.alive()) {
                    startUnmanaged(map, Map.of());
                }
                if (now - lastVouchMillis > renewEveryMillis) {
                    vouch(now);
                }
            }
            case PER_GROUP -> {
                unmanaged(now, why);
                if (now >= nextEvidenceMillis) {
                    nextEvidenceMillis = now + renewEveryMillis;
                    evidenceRound(now);
                }
            }
        }
    }

    private void checkFence(String why) throws InterruptedException {
        if (!fenced && System.currentTimeMillis() >= leaseEndMillis) {
            if (!nutcracker.alive() && servedVersion == 0) {
                return; // never served anything: nothing to fence, nothing to report
            }
            fenced = true;
            counters.proxyFences.incrementAndGet();
            nutcracker.stop();
            LOG.warn("+fenced {} lease ended without a renewal; nutcracker stopped (last error: {})", id, why);
        }
    }

    private void unmanaged(long now, String why) throws IOException {
        if (unmanagedSinceMillis == 0 && (map != null || nutcracker.alive())) {
            unmanagedSinceMillis = now;
            LOG.warn("+proxy-unmanaged {} lease ended without a renewal (last error: {}): serving version {} on its last map"
                    + " without the registry ({} fencing)", id, why, servedVersion, fencing.wire());
            recordStatus();
        }
    }

    /**
     * Per-group fencing, while the registry is unreachable: checks every group of the last map from the
     * data plane, routes the groups whose evidence fails to the fence (and lets one back in once its
     * evidence has held {@link #ROUNDS_TO_READMIT} rounds in a row), then vouches for nutcracker.
     */
    private void evidenceRound(long startedAt) throws InterruptedException, IOException {
        if (map == null) {
            return; // never served: nothing to check, nothing to fence
        }
        Map<String, String> next = new TreeMap<>();
        for (Group g : map.groups()) {
            if (!FencingStamp.slots(map, g.id()).isEmpty()) {
                Optional<String> problem = evidence.problem(map, g, config.evidence.maxReplicaLagSeconds);
                if (problem.isPresent()) {
                    next.put(g.id(), problem.get());
                    heldRounds.remove(g.id());
                } else if (fencedGroups.containsKey(g.id())) {
                    int held = heldRounds.merge(g.id(), 1, Integer::sum);
                    if (held < ROUNDS_TO_READMIT) {
                        next.put(g.id(), fencedGroups.get(g.id()));
                    } else {
                        heldRounds.remove(g.id());
                    }
                }
            }
        }
        if (!next.keySet().equals(fencedGroups.keySet()) || !nutcracker.alive()) {
            for (Map.Entry<String, String> e : next.entrySet()) {
                if (!fencedGroups.containsKey(e.getKey())) {
                    counters.groupsFenced.incrementAndGet();
                    LOG.warn("+group-fenced {} group-[{}]: {}", id, e.getKey(), e.getValue());
                }
            }
            for (String g : fencedGroups.keySet()) {
                if (!next.containsKey(g)) {
                    LOG.info("-group-fenced {} group-[{}]: its evidence held {} rounds in a row", id, g, ROUNDS_TO_READMIT);
                }
            }
            if (!startUnmanaged(map, next)) {
                return; // not vouched: the watchdog's deadline stands
            }
        }
        fencedGroups = next;
        recordStatus();
        vouch(startedAt);
    }

    /** Starts nutcracker on {@code m} with {@code fenced} routed to the fence; false when it did not start. */
    private boolean startUnmanaged(Cluster m, Map<String, String> fenced) throws InterruptedException, IOException {
        Optional<Proxy> me = m.proxy(config.proxyId);
        if (me.isEmpty()) {
            return false;
        }
        try {
            nutcracker.restart(NutcrackerConfig.render(m, me.get().listen(), settingsOf(me.get()), fenced.keySet()),
                    me.get().listen(), READY);
            counters.nutcrackerRestarts.incrementAndGet();
            fencedGroups = new TreeMap<>(fenced);
            return true;
        } catch (IOException e) {
            LOG.error("{} nutcracker did not start on its last map: {}", id, e.getMessage());
            return false;
        }
    }

    private void managedAgain(long now) throws IOException {
        long spell = now - unmanagedSinceMillis;
        String groups = fencedGroups.isEmpty() ? "no group fenced" : "groups fenced meanwhile: " + fencedGroups;
        LOG.info("-proxy-unmanaged {} lease renewed through {} after {} ms without the registry; {}", id,
                registry.currentPeer(), spell, groups);
        registry.event(config.cluster, "-proxy-unmanaged", id, "lease renewed after " + spell
                + " ms without the registry; " + groups);
        unmanagedSinceMillis = 0;
        nextEvidenceMillis = 0;
        heldRounds.clear();
        if (!fencedGroups.isEmpty()) {
            reserve = true; // the registry's map replaces the fenced one, whatever its version
        }
        recordStatus();
    }

    private void recordStatus() throws IOException {
        Map<String, Object> s = new TreeMap<>();
        s.put("proxy", config.proxyId);
        s.put("cluster", config.cluster);
        s.put("fencing", fencing.wire());
        s.put("servedVersion", servedVersion);
        s.put("managed", unmanagedSinceMillis == 0);
        s.put("unmanagedSinceMillis", unmanagedSinceMillis);
        s.put("fencedGroups", fencedGroups);
        s.put("lastVouchMillis", lastVouchMillis);
        nutcracker.recordStatus(s);
    }

    /** Brings nutcracker to the cluster's version; acks on the next renewal (at once). */
    private void serve(Cluster c) throws InterruptedException, IOException {
        long seenMillis = System.currentTimeMillis();
        Optional<Proxy> me = c.proxy(config.proxyId);
        if (me.isEmpty()) {
            LOG.warn("-proxy-unknown {} is not in cluster-[{}] (version {}): serving nothing", id, c.name(), c.version());
            nutcracker.stop();
            return;
        }
        String yaml;
        try {
            yaml = NutcrackerConfig.render(c, me.get().listen(), settingsOf(me.get()));
        } catch (io.cfgserver.registry.topology.InvalidTopologyException e) {
            if (!String.valueOf(e.getMessage()).equals(rejectedConfig)) {
                reject(c, String.valueOf(e.getMessage()), "the cluster's nutcracker settings: " + e.getMessage());
            }
            return;
        }
        String running = nutcracker.runningConfig();
        if (running != null && body(running).equals(body(yaml))) {
            served(c);
            return;
        }
        if (yaml.equals(rejectedConfig)) {
            return;
        }
        long t0 = System.nanoTime();
        boolean sameShape = running != null && sameShape(running, yaml);
        if (!sameShape) {
            Optional<String> problem = nutcracker.check(yaml);
            if (problem.isEmpty()) {
                problem = nutcracker.trial(yaml, me.get().listen());
            }
            if (problem.isPresent()) {
                reject(c, yaml, problem.get());
                return;
            }
        }
        long t1 = System.nanoTime();
        try {
            nutcracker.restart(yaml, me.get().listen(), READY);
        } catch (IOException e) {
            reject(c, yaml, e.getMessage());
            if (running != null) {
                nutcracker.restart(running, me.get().listen(), READY);
            }
            return;
        }
        long t2 = System.nanoTime();
        counters.nutcrackerRestarts.incrementAndGet();
        long was = servedVersion;
        servedVersion = c.version(); // acked by the next renewal, at once; the files follow it (recordServed)
        map = c;
        fencedGroups = new TreeMap<>();
        pendingRecord = c;
        switchedNanos = System.nanoTime();
        LOG.info("+proxy-switch {} now serves version {} (was {}) on {}", id, servedVersion, was, me.get().listen());
        if (LOG.isDebugEnabled()) {
            LOG.debug("proxy-switch timings {} version {}: {}{} ms, restart {} ms{}", id, c.version(),
                    sameShape ? "only server addresses changed, no check or trial: " : "check + trial ",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, sinceCommit(c, seenMillis));
        }
    }

    /**
     * The newest failover's commit point as the controller stamped it (its clock; the same host's in the
     * bench), for the debug timings: how long after it this agent served the new map.
     */
    private String sinceCommit(Cluster c, long seenMillis) {
        long at = c.groups().stream().map(Group::failover).filter(f -> f != null
                && f.state() == io.cfgserver.registry.topology.FailoverState.REPOINTING)
                .mapToLong(io.cfgserver.registry.topology.Failover::stateMillis).max().orElse(0);
        return at == 0 ? "" : ", seen " + (seenMillis - at) + " ms and serving " + (System.currentTimeMillis() - at)
                + " ms after the failover's commit was submitted (watching " + registry.currentPeer() + ")";
    }

    /**
     * True when {@code next} differs from {@code running} only in the addresses of its server lines:
     * same listen address, same pool settings, same server names, weights and count. nutcracker
     * accepted and runs {@code running}; {@code next} is the same config with other host:port values
     * (rendered from addresses the registry validated), so {@code nutcracker -t} and a trial start
     * would check nothing new: the listen address they exist to check is unchanged (docs/agent.md).
     */
    static boolean sameShape(String running, String next) {
        return shape(body(running)).equals(shape(body(next)));
    }

    private static final java.util.regex.Pattern SERVER_LINE = java.util.regex.Pattern.compile("(?m)^(   - )\\S+(:\\d+ \\S+)$");

    private static String shape(String body) {
        String b = body.startsWith("#") ? body.substring(body.indexOf('\n') + 1) : body; // a "fenced groups" comment
        return SERVER_LINE.matcher(b).replaceAll("$1*$2");
    }

    private void served(Cluster c) throws IOException {
        servedVersion = c.version();
        map = c;
        fencedGroups = new TreeMap<>();
        pendingRecord = c;
        recordServed();
    }

    /**
     * Writes what the agent now serves (served version, map, status) for a successor and for evidence
     * rounds. After a switch it runs right after the ack's renewal rather than before it: an agent that
     * dies in between leaves the older version in the files, so its successor reports too old a version
     * (the proxy shows as lagging and is served again), never too new a one.
     */
    private void recordServed() throws IOException {
        Cluster c = pendingRecord;
        if (c == null) {
            return;
        }
        pendingRecord = null;
        nutcracker.recordServedVersion(c.version());
        nutcracker.recordMap(c);
        recordStatus();
    }

    private void reject(Cluster c, String yaml, String why) {
        rejectedConfig = yaml;
        rejectedVersion = c.version();
        counters.configsRefused.incrementAndGet();
        LOG.error("-config-rejected {} version {}: {}; the running config stays", id, c.version(), why);
        registry.event(config.cluster, "-config-rejected", id, "version " + c.version() + ": " + why);
    }

    /** The agent's own pool settings with the cluster's config for this proxy over them (docs/config.md). */
    private io.cfgserver.registry.render.ProxySettings settingsOf(Proxy me) {
        return config.settings.overlay(me.nutcracker());
    }

    /** The topology version named in a rendered config's header, 0 when there is none. */
    static long versionOf(String yaml) {
        if (yaml == null) {
            return 0;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^# cluster-\\[[^]]*] topology version (\\d+)\\.")
                .matcher(yaml);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The config without its header comment (which names the version). */
    private static String body(String yaml) {
        int nl = yaml.indexOf('\n');
        return yaml.startsWith("#") && nl >= 0 ? yaml.substring(nl + 1) : yaml;
    }

    long servedVersion() {
        return servedVersion;
    }

    AgentCounters counters() {
        return counters;
    }

    /** A consistent-enough view of the agent's state for a scrape (fields written by the agent's one loop). */
    record State(long servedVersion, long leaseEndMillis, boolean managed, int fencedGroups, boolean nutcrackerUp,
            boolean fenced) {
    }

    State state() {
        return new State(servedVersion, leaseEndMillis, unmanagedSinceMillis == 0, fencedGroups.size(), nutcracker.alive(),
                fenced);
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        nutcracker.close();
    }
}
