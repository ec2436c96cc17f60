package io.cfgserver.service.temporal;

import io.cfgserver.service.config.TemporalConfig;
import io.dropwizard.lifecycle.Managed;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to the Temporal service in the background and runs this peer's worker once it is
 * reachable. The service never waits for Temporal to start: the registry, its API and stop-loss
 * work without it; only jobs need it.
 */
public final class TemporalConnector implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(TemporalConnector.class);
    private static final Duration CHECK_PERIOD = Duration.ofSeconds(3);
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(3);

    private final TemporalConfig config;
    private final Map<String, IndexedValueType> searchAttributes;
    private final Consumer<Worker> registration;
    private volatile WorkflowServiceStubs stubs;
    private volatile WorkflowClient client;
    private volatile WorkerFactory factory;
    private volatile boolean reachable;
    private volatile String lastError = "not checked yet";
    private volatile boolean stopping;
    private Thread thread;

    private final io.micrometer.core.instrument.MeterRegistry meters;

    public TemporalConnector(TemporalConfig config, Map<String, IndexedValueType> searchAttributes,
            Consumer<Worker> registration) {
        this(config, searchAttributes, registration, null);
    }

    /** With {@code meters}, the SDK's own metrics (requests, polls, workflow and activity tasks) go there. */
    public TemporalConnector(TemporalConfig config, Map<String, IndexedValueType> searchAttributes,
            Consumer<Worker> registration, io.micrometer.core.instrument.MeterRegistry meters) {
        this.meters = meters;
        this.config = config;
        this.searchAttributes = Map.copyOf(searchAttributes);
        this.registration = registration;
    }

    @Override
    public void start() {
        if (!config.enabled) {
            lastError = "disabled in the configuration (temporal.enabled: false)";
            return;
        }
        WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(config.target);
        if (meters != null) {
            options.setMetricsScope(new com.uber.m3.tally.RootScopeBuilder()
                    .reporter(new io.temporal.common.reporter.MicrometerClientStatsReporter(meters))
                    .reportEvery(com.uber.m3.util.Duration.ofSeconds(10)));
        }
        stubs = WorkflowServiceStubs.newServiceStubs(options.build());
        client = WorkflowClient.newInstance(stubs,
                WorkflowClientOptions.newBuilder().setNamespace(config.namespace).build());
        thread = new Thread(this::loop, "temporal-connector");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!stopping) {
            try {
                stubs.blockingStub().withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(config.namespace).build());
                if (factory == null) {
                    ensureSearchAttributes();
                    WorkerFactory f = WorkerFactory.newInstance(client);
                    registration.accept(f.newWorker(config.taskQueue));
                    f.start();
                    factory = f;
                    LOG.info("+temporal-connected target {} namespace {} task queue {}: worker started",
                            config.target, config.namespace, config.taskQueue);
                }
                if (!reachable) {
                    LOG.info("+temporal-reachable {}", config.target);
                }
                reachable = true;
                lastError = "";
            } catch (RuntimeException e) {
                if (reachable || lastError.equals("not checked yet")) {
                    LOG.warn("-temporal-unreachable {}: {} (jobs are refused until it is back)", config.target, e.toString());
                }
                reachable = false;
                lastError = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            try {
                Thread.sleep(CHECK_PERIOD.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void ensureSearchAttributes() {
        OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder()
                .setChannel(stubs.getRawChannel()).validateAndBuildWithDefaults());
        ListSearchAttributesResponse existing = operator.blockingStub()
                .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(config.namespace).build());
        AddSearchAttributesRequest.Builder add = AddSearchAttributesRequest.newBuilder().setNamespace(config.namespace);
        searchAttributes.forEach((name, type) -> {
            if (!existing.getCustomAttributesMap().containsKey(name)) {
                add.putSearchAttributes(name, type);
            }
        });
        if (add.getSearchAttributesCount() > 0) {
            try {
                operator.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).addSearchAttributes(add.build());
                LOG.info("+temporal-search-attributes added {}", add.getSearchAttributesMap().keySet());
            } catch (RuntimeException e) {
                LOG.warn("could not add search attributes {} to namespace {}: {} (register them with "
                        + "'temporal operator search-attribute create')", add.getSearchAttributesMap().keySet(),
                        config.namespace, e.toString());
            }
        }
    }

    /** The client, when Temporal is reachable now. */
    public Optional<WorkflowClient> client() {
        return reachable ? Optional.of(client) : Optional.empty();
    }

    public boolean reachable() {
        return reachable;
    }

    public String target() {
        return config.target;
    }

    /** Why Temporal is not usable now (empty when it is). */
    public String lastError() {
        return lastError;
    }

    @Override
    public void stop() {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
        WorkerFactory f = factory;
        if (f != null) {
            f.shutdown();
            try {
                f.awaitTermination(5, TimeUnit.SECONDS);
            } catch (RuntimeException e) {
                LOG.debug("worker shutdown", e);
            }
        }
        if (stubs != null) {
            stubs.shutdown();
        }
    }
}
