package io.cfgserver.service;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import io.cfgserver.activities.redis.RedisActivitiesImpl;
import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.controller.Controller;
import io.cfgserver.registry.controller.ControllerConfig;
import io.cfgserver.registry.controller.FaultHooks;
import io.cfgserver.registry.controller.PeerLink;
import io.cfgserver.registry.controller.Prober;
import io.cfgserver.registry.server.PeerConfig;
import io.cfgserver.registry.server.PeerTls;
import io.cfgserver.registry.server.RegistryPeer;
import io.cfgserver.service.agent.AgentCommand;
import io.cfgserver.service.api.AuditResource;
import io.cfgserver.service.auth.AuditFilter;
import io.cfgserver.service.auth.AuditLog;
import io.cfgserver.service.auth.RoleCheck;
import io.cfgserver.service.auth.TokenAuthFilter;
import io.cfgserver.service.auth.TokenStore;
import io.cfgserver.service.api.ClusterJobsResource;
import io.cfgserver.service.api.ClustersResource;
import io.cfgserver.service.api.PlansResource;
import io.cfgserver.service.api.SchedulesResource;
import io.cfgserver.service.api.ErrorMappers;
import io.cfgserver.service.api.GroupsResource;
import io.cfgserver.service.api.JobsResource;
import io.cfgserver.service.api.JsonErrorHandler;
import io.cfgserver.service.api.PolicyResource;
import io.cfgserver.service.api.ProxiesResource;
import io.cfgserver.service.api.RegistryAdmin;
import io.cfgserver.service.api.RegistryResource;
import io.cfgserver.service.api.RequestLimits;
import io.cfgserver.service.api.SlotsResource;
import io.cfgserver.service.api.InstancesResource;
import io.cfgserver.service.api.ConsoleResource;
import io.cfgserver.service.config.CfgServerConfiguration;
import io.cfgserver.service.config.RegistryConfig;
import io.cfgserver.service.health.RegistryHealthCheck;
import io.cfgserver.service.health.TemporalHealthCheck;
import io.cfgserver.service.jobs.JobReconciler;
import io.cfgserver.service.metrics.CfgServerMetrics;
import io.cfgserver.service.metrics.PrometheusServlet;
import io.cfgserver.service.metrics.JobCopySampler;
import io.cfgserver.service.openapi.OpenApiResource;
import io.cfgserver.service.jobs.JobService;
import io.cfgserver.service.temporal.TemporalConnector;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.WorkerRegistration;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.servlets.assets.AssetServlet;
import java.nio.charset.StandardCharsets;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.temporal.api.enums.v1.IndexedValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cfgserver: one registry peer, the REST API and a Temporal worker in one process.
 * {@code java -jar cfgserver.jar server config.yml}.
 */
public class CfgServerApplication extends Application<CfgServerConfiguration> {
    private static final Logger LOG = LoggerFactory.getLogger(CfgServerApplication.class);

    public static void main(String[] args) throws Exception {
        new CfgServerApplication().run(args);
    }

    @Override
    public String getName() {
        return "cfgserver";
    }

    @Override
    public void initialize(Bootstrap<CfgServerConfiguration> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addCommand(new AgentCommand());
    }

    @Override
    public void run(CfgServerConfiguration config, Environment env) throws Exception {
        // Our own mappers answer every error as JSON with a message that says what to fix.
        if (config.getServerFactory() instanceof AbstractServerFactory f) {
            f.setRegisterDefaultExceptionMappers(false);
        }
        env.getObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);

        Clock clock = Clock.systemUTC();
        RegistryPeer peer = RegistryPeer.start(peerConfig(config.registry));
        env.lifecycle().manage(new Managed() {
            @Override
            public void stop() throws Exception {
                peer.close();
            }
        });

        // Stop-loss: every peer probes (followers confirm a master's failure); the leader acts.
        Prober prober = null;
        Controller controller = null;
        if (config.controller.enabled) {
            ControllerConfig cc = config.controller.toConfig();
            FaultHooks hooks = FaultHooks.fromSystemProperties();
            prober = new Prober(peer::readLocal, cc, System::nanoTime, hooks).start();
            peer.setPeerQueryHandler(prober::answer);
            PeerLink link = new PeerLink() {
                @Override
                public String selfId() {
                    return peer.id();
                }

                @Override
                public List<String> members() {
                    return peer.info().peers().stream().map(RegistryInfo.PeerInfo::id).toList();
                }

                @Override
                public java.util.concurrent.CompletableFuture<String> ask(String peerId, String question) {
                    return peer.askPeer(peerId, question);
                }
            };
            controller = new Controller(peer, prober, link, cc, clock, System::nanoTime, hooks);
            peer.addLeaderListener(controller::leadership);
            Controller c = controller;
            Prober p = prober;
            env.lifecycle().manage(new Managed() {
                @Override
                public void stop() {
                    c.close();
                    p.close();
                }
            });
        } else {
            LOG.warn("controller.enabled is false: no failure detection or failover on this peer");
        }

        // Metrics: /prometheus on the admin port (Dropwizard's /metrics JSON stays)
        TemporalConnector[] temporalRef = new TemporalConnector[1];
        CfgServerMetrics metrics = CfgServerMetrics.create(peer::info, peer::readLocal, prober, controller,
                () -> temporalRef[0] != null && temporalRef[0].reachable(), clock);
        peer.observeSubmits(metrics);
        if (prober != null) {
            prober.observe(metrics);
            controller.observe(metrics);
        }
        env.admin().addServlet("prometheus", new PrometheusServlet(metrics)).addMapping("/prometheus");

        TemporalConnector temporal = new TemporalConnector(config.temporal, searchAttributes(),
                worker -> WorkerRegistration.register(worker, peer, new RedisActivitiesImpl()), metrics.registry());
        temporalRef[0] = temporal;
        env.lifecycle().manage(temporal);
        JobService jobs = new JobService(peer, temporal, config.temporal.taskQueue, clock);
        JobCopySampler copies = new JobCopySampler(peer::readLocal, jobs::runningActivities, config.temporal.progressSampleMillis);
        env.lifecycle().manage(copies);
        metrics.observeJobCopies(copies::samples);
        env.lifecycle().manage(new JobReconciler(peer, temporal, peer::isLeader, clock, config.temporal.reconcileIntervalMillis,
                config.temporal.reconcileGraceMillis));

        RegistryAdmin admin = new RegistryAdmin() {
            @Override
            public RegistryInfo info() {
                return peer.info();
            }

            @Override
            public void setPeers(List<RegistryInfo.PeerInfo> peers) {
                peer.setPeers(peers);
            }
        };

        env.jersey().register(new RequestLimits());
        // what Jetty refuses before Jersey (a suspicious path) is answered as JSON too: the server's
        // handler (Dropwizard sets its own when it builds the server) and the application context's
        JsonErrorHandler jsonErrors = new JsonErrorHandler();
        env.getApplicationContext().setErrorHandler(jsonErrors);
        env.lifecycle().addServerLifecycleListener(server -> server.setErrorHandler(jsonErrors));
        // Who may do what (tokens → roles, @RolesAllowed on every resource method), and the audit log.
        TokenStore tokens = TokenStore.from(config.auth);
        if (!tokens.enabled()) {
            LOG.warn("auth names no token and no user: the API accepts every request, state-changing ones too, "
                    + "from anyone who can reach it");
        }
        AuditLog audit = new AuditLog(peer);
        env.lifecycle().manage(audit);
        io.micrometer.core.instrument.FunctionCounter.builder("cfgserver.audit.lines.dropped", audit, AuditLog::dropped)
                .description("audit lines the registry did not get (queue full or stopping); they are in the peer's log")
                .register(metrics.registry());
        io.micrometer.core.instrument.FunctionCounter.builder("cfgserver.audit.lines.failed", audit, AuditLog::failed)
                .description("audit lines the registry refused or did not answer; they are in the peer's log")
                .register(metrics.registry());
        io.micrometer.core.instrument.FunctionCounter.builder("cfgserver.audit.refusals.suppressed", audit,
                AuditLog::suppressed).description("refused requests not written as audit lines (repeats within a minute,"
                        + " or past the minute's limit)").register(metrics.registry());
        env.jersey().register(new AuditFilter(audit, peer.id(), clock));
        env.jersey().register(new TokenAuthFilter(tokens));
        env.jersey().register(new RoleCheck());
        for (Object mapper : ErrorMappers.all()) {
            env.jersey().register(mapper);
        }
        // the REST API; GET /v1/openapi.json documents exactly these resources
        List<Object> resources = new java.util.ArrayList<>(List.of(
                new ClustersResource(peer, clock),
                new GroupsResource(peer, clock),
                new io.cfgserver.service.api.MaintenanceResource(peer, clock),
                new ProxiesResource(peer, clock),
                new PolicyResource(peer, clock),
                new io.cfgserver.service.api.ConfigResource(peer, clock, config.controller.driftPeriod.toJavaDuration()),
                new SlotsResource(peer, clock),
                new ClusterJobsResource(jobs),
                new JobsResource(jobs),
                new PlansResource(jobs),
                new SchedulesResource(jobs.schedules()),
                new RegistryResource(admin),
                new InstancesResource(peer, prober, System::nanoTime),
                new AuditResource(peer)));
        if (config.console.enabled) {
            // The web console: static files under /console/ on the application port (no build step).
            env.servlets().addServlet("console", new AssetServlet("/console", "/console", "index.html",
                    StandardCharsets.UTF_8)).addMapping("/console/*");
            // "/" alone (the servlet spec's empty pattern) sends a browser to the console; not part of the API
            env.servlets().addServlet("console-root", new jakarta.servlet.http.HttpServlet() {
                @Override
                protected void doGet(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse resp)
                        throws java.io.IOException {
                    resp.sendRedirect("/console/");
                }
            }).addMapping("");
            resources.add(new ConsoleResource(config.console.temporalUi, config.temporal.namespace));
        }
        resources.forEach(env.jersey()::register);
        env.jersey().register(new OpenApiResource(resources.stream().<Class<?>>map(Object::getClass).toList()));

        env.healthChecks().register("registry", new RegistryHealthCheck(peer));
        env.healthChecks().register("temporal", new TemporalHealthCheck(temporal));
    }

    /** The job search attributes, all Keyword, registered in the namespace when missing. */
    static Map<String, IndexedValueType> searchAttributes() {
        Map<String, IndexedValueType> m = new LinkedHashMap<>();
        Jobs.SEARCH_ATTRIBUTES.forEach(k -> m.put(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        return m;
    }

    static PeerConfig peerConfig(RegistryConfig r) {
        List<RegistryInfo.PeerInfo> peers = r.peers.stream()
                .map(p -> new RegistryInfo.PeerInfo(p.id, p.address)).toList();
        return PeerConfig.of(r.peerId, peers, Path.of(r.dataDir))
                .withElectionTimeout(r.electionTimeoutMin.toJavaDuration(), r.electionTimeoutMax.toJavaDuration())
                .withSnapshotThreshold(r.snapshotThreshold)
                .withRequestTimeout(r.requestTimeout.toJavaDuration())
                .withTls(r.tls == null ? null : new PeerTls(Path.of(r.tls.certFile), Path.of(r.tls.keyFile),
                        Path.of(r.tls.caFile)));
    }
}
