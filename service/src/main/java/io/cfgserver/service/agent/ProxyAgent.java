package io.cfgserver.service.agent;

import io.cfgserver.registry.render.NutcrackerConfig;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.service.agent.RegistryHttp.RegistryUnreachableException;
import io.cfgserver.service.agent.RegistryHttp.Renewal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent beside one nutcracker. One loop: renew the lease (which also acks the version served),
 * then long-poll the registry for a newer topology; on a newer one render, check, restart, PING,
 * and ack at once. If no renewal succeeds before the lease ends, nutcracker is stopped (by the
 * watchdog, even if this process is gone) and started again after the next successful renewal.
 */
public final class ProxyAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyAgent.class);
    private static final Duration READY = Duration.ofSeconds(5);

    private final AgentConfig config;
    private final RegistryHttp registry;
    private final Nutcracker nutcracker;
    private final String id;
    private final long renewEveryMillis;
    private volatile boolean stopping;
    private long servedVersion;
    private long leaseEndMillis;
    private boolean fenced;
    private String rejectedConfig;
    private long rejectedVersion;

    public ProxyAgent(AgentConfig config) throws IOException {
        this.config = config;
        config.settings.validated();
        this.registry = new RegistryHttp(config.registry, config.token);
        this.nutcracker = new Nutcracker(Path.of(config.nutcracker.binary), Path.of(config.nutcracker.workDir),
                config.nutcracker.statsPort, config.nutcracker.statsIntervalMillis);
        this.id = "proxy-[" + config.proxyId + "]";
        this.renewEveryMillis = Math.max(100, config.leaseMillis / 3);
    }

    /** Runs until {@link #close()}. */
    public void run() throws IOException, InterruptedException {
        if (nutcracker.adopt()) {
            servedVersion = Math.max(versionOf(nutcracker.runningConfig()), nutcracker.servedVersion());
            LOG.info("+proxy-adopt {} nutcracker left running by an earlier agent, serving version {}", id, servedVersion);
        }
        while (!stopping) {
            long sentAt = System.currentTimeMillis();
            try {
                Renewal r = registry.renew(config.cluster, config.proxyId, servedVersion, config.leaseMillis,
                        Duration.ofMillis(renewEveryMillis));
                leaseEndMillis = sentAt + config.leaseMillis;
                nutcracker.writeLease(leaseEndMillis);
                if (fenced) {
                    fenced = false;
                    LOG.info("-fenced {} lease renewed through {}", id, registry.currentPeer());
                    registry.event(config.cluster, "-fenced", id, "lease renewed");
                }
                // A version whose config nutcracker refused is not retried until a newer one comes.
                long known = Math.max(servedVersion, rejectedVersion);
                boolean restartDue = !nutcracker.alive() && rejectedVersion < r.latestVersion();
                long wait = (restartDue || r.latestVersion() > known) ? 0 : renewEveryMillis;
                Cluster c = registry.watch(config.cluster, known, wait, Duration.ofMillis(wait + renewEveryMillis + 500));
                if (c.version() > known || (!nutcracker.alive() && rejectedVersion < c.version())) {
                    serve(c);
                }
            } catch (RegistryUnreachableException e) {
                LOG.debug("registry call failed: {}", e.getMessage());
                registry.rotate();
                checkFence(e.getMessage());
                Thread.sleep(50);
            }
        }
    }

    private void checkFence(String why) throws InterruptedException {
        if (!fenced && System.currentTimeMillis() >= leaseEndMillis) {
            if (!nutcracker.alive() && servedVersion == 0) {
                return; // never served anything: nothing to fence, nothing to report
            }
            fenced = true;
            nutcracker.stop();
            LOG.warn("+fenced {} lease ended without a renewal; nutcracker stopped (last error: {})", id, why);
        }
    }

    /** Brings nutcracker to the cluster's version; acks on the next renewal (at once). */
    private void serve(Cluster c) throws InterruptedException, IOException {
        Optional<Proxy> me = c.proxy(config.proxyId);
        if (me.isEmpty()) {
            LOG.warn("-proxy-unknown {} is not in cluster-[{}] (version {}): serving nothing", id, c.name(), c.version());
            nutcracker.stop();
            return;
        }
        String yaml = NutcrackerConfig.render(c, me.get().listen(), config.settings);
        String running = nutcracker.runningConfig();
        if (running != null && body(running).equals(body(yaml))) {
            servedVersion = c.version();
            nutcracker.recordServedVersion(servedVersion);
            return;
        }
        if (yaml.equals(rejectedConfig)) {
            return;
        }
        Optional<String> problem = nutcracker.check(yaml);
        if (problem.isEmpty()) {
            problem = nutcracker.trial(yaml, me.get().listen());
        }
        if (problem.isPresent()) {
            reject(c, yaml, problem.get());
            return;
        }
        try {
            nutcracker.restart(yaml, me.get().listen(), READY);
        } catch (IOException e) {
            reject(c, yaml, e.getMessage());
            if (running != null) {
                nutcracker.restart(running, me.get().listen(), READY);
            }
            return;
        }
        long was = servedVersion;
        servedVersion = c.version();
        nutcracker.recordServedVersion(servedVersion);
        LOG.info("+proxy-switch {} now serves version {} (was {}) on {}", id, servedVersion, was, me.get().listen());
    }

    private void reject(Cluster c, String yaml, String why) {
        rejectedConfig = yaml;
        rejectedVersion = c.version();
        LOG.error("-config-rejected {} version {}: {}; the running config stays", id, c.version(), why);
        registry.event(config.cluster, "-config-rejected", id, "version " + c.version() + ": " + why);
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

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        nutcracker.stop();
    }
}
