package io.cfgserver.service.metrics;

import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.controller.Controller;
import io.cfgserver.registry.controller.ControllerObserver;
import io.cfgserver.registry.controller.Prober;
import io.cfgserver.registry.server.RegistryPeer;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.RegistryState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Everything {@code /prometheus} serves: meters updated as things happen (registry writes, probes,
 * controller events, failovers, the Temporal SDK's own metrics, the JVM) and gauges read from the
 * local state at scrape time ({@link StateCollector}). Names follow Prometheus conventions:
 * {@code cfgserver_…}, {@code _total} for counters, {@code _seconds} and {@code _bytes} units.
 */
public final class CfgServerMetrics implements ControllerObserver, RegistryPeer.SubmitObserver {
    private static final Duration[] WRITE_BUCKETS = buckets(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000);
    /** Probes on a LAN take well under a millisecond: sub-millisecond buckets first, to read p50 and p99. */
    private static final Duration[] PROBE_BUCKETS = concat(new Duration[] {Duration.ofNanos(250_000),
        Duration.ofNanos(500_000)}, buckets(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000));
    private static final Duration[] FAILOVER_BUCKETS = buckets(100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000,
            10000, 30000);

    private final PrometheusMeterRegistry meters;

    private final StateCollector collector;

    private CfgServerMetrics(PrometheusMeterRegistry meters, StateCollector collector) {
        this.meters = meters;
        this.collector = collector;
        this.probeOk = probeTimer("ok");
        this.probeFailed = probeTimer("failed");
        meters.scrape(); // loads the exposition classes now, not at the first scrape
    }

    /**
     * The metrics of one peer. {@code prober} and {@code controller} are null when the controller is
     * disabled on it.
     */
    public static CfgServerMetrics create(Supplier<RegistryInfo> info, Supplier<RegistryState> state, Prober prober,
            Controller controller, BooleanSupplier temporalReachable, Clock clock) {
        PrometheusRegistry prometheus = new PrometheusRegistry();
        StateCollector collector = new StateCollector(info, state, prober, controller, temporalReachable, clock,
                System::nanoTime);
        prometheus.register(collector);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, prometheus,
                io.micrometer.core.instrument.Clock.SYSTEM);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        return new CfgServerMetrics(meters, collector);
    }

    /** Where the running jobs' copy progress comes from (a {@link JobCopySampler}). */
    public void observeJobCopies(Supplier<java.util.List<JobCopySampler.Sample>> copies) {
        collector.jobCopies = copies;
    }

    /** Where the Temporal SDK and anything else Micrometer-aware report. */
    public MeterRegistry registry() {
        return meters;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return meters.scrape();
    }

    // meters by their tags: a probe or a write looks its meter up in a map, not through a builder
    private final Map<String, Timer> writes = new ConcurrentHashMap<>();
    private final Timer probeOk;
    private final Timer probeFailed;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();

    @Override
    public void submitted(String command, String outcome, long nanos) {
        writes.computeIfAbsent(command + "|" + outcome, k -> Timer.builder("cfgserver.registry.write")
                .description("registry commands submitted by this peer, by outcome")
                .tag("command", command).tag("outcome", outcome).serviceLevelObjectives(WRITE_BUCKETS)
                .register(meters)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void probed(Address address, boolean ok, long latencyNanos) {
        (ok ? probeOk : probeFailed).record(Math.max(0, latencyNanos), TimeUnit.NANOSECONDS);
    }

    private Timer probeTimer(String outcome) {
        return Timer.builder("cfgserver.probe").description("probes of instances (PING + INFO replication) by this peer")
                .tag("outcome", outcome).serviceLevelObjectives(PROBE_BUCKETS).register(meters);
    }

    @Override
    public void event(String cluster, String type) {
        events.computeIfAbsent(cluster + "|" + type, k -> Counter.builder("cfgserver.controller.events")
                .description("events the controller recorded (+sdown, +odown, -failover-abort-…, +tilt, …)")
                .tag("cluster", cluster).tag("type", type).register(meters)).increment();
    }

    @Override
    public void failoverEnded(String cluster, boolean planned, String outcome, long detectionToEndNanos) {
        Timer t = Timer.builder("cfgserver.failover").description("failovers and switchovers that ended, by outcome;"
                + " the time from detection (or the request) to every proxy on the new master, or to the abort")
                .tag("cluster", cluster).tag("kind", planned ? "switchover" : "failover").tag("outcome", outcome)
                .serviceLevelObjectives(FAILOVER_BUCKETS).register(meters);
        if (detectionToEndNanos >= 0) {
            t.record(detectionToEndNanos, TimeUnit.NANOSECONDS);
        } else {
            t.record(Duration.ZERO); // counted; its duration was not measured
        }
    }

    private static Duration[] concat(Duration[] a, Duration[] b) {
        Duration[] d = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, d, a.length, b.length);
        return d;
    }

    private static Duration[] buckets(long... millis) {
        Duration[] d = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            d[i] = Duration.ofMillis(millis[i]);
        }
        return d;
    }
}
