package io.cfgserver.service.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.service.jobs.JobService;
import io.dropwizard.lifecycle.Managed;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the running jobs' copies are, for {@code /prometheus}: every period, the last heartbeat of
 * each running job's copying activity (keys copied, estimate, bytes, rate), as {@code GET /v1/jobs/{id}}
 * shows it, read with one describe call per job (no workflow query). Sampled in the background, not at scrape time: a scrape never waits for Temporal.
 */
public final class JobCopySampler implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(JobCopySampler.class);

    /** One running job's copy, as its activity last reported it. */
    public record Sample(String cluster, String job, String type, long keysCopied, long keysEstimate, long bytesCopied,
            long keysPerSecond) {
    }

    private final Supplier<RegistryState> state;
    private final Function<String, List<JobService.ActivityView>> activities;
    private final long periodMillis;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "job-copy-sampler");
        t.setDaemon(true);
        return t;
    });
    private volatile List<Sample> samples = List.of();

    public JobCopySampler(Supplier<RegistryState> state, Function<String, List<JobService.ActivityView>> activities,
            long periodMillis) {
        this.state = state;
        this.activities = activities;
        this.periodMillis = periodMillis;
    }

    /** The last samples (empty before the first round, and when no job copies). */
    public List<Sample> samples() {
        return samples;
    }

    /** One round: the running jobs' copy heartbeats. */
    void sampleOnce() {
        List<Sample> out = new ArrayList<>();
        for (Job j : state.get().jobs().values()) {
            if (j.state() != JobState.RUNNING) {
                continue;
            }
            try {
                for (JobService.ActivityView a : activities.apply(j.id())) {
                    JsonNode h = a.heartbeat();
                    if (h != null && h.has("keysCopied")) {
                        out.add(new Sample(j.cluster(), j.id(), j.type(), h.path("keysCopied").asLong(),
                                h.path("keysEstimate").asLong(), h.path("bytesCopied").asLong(), h.path("keysPerSecond").asLong()));
                        break;
                    }
                }
            } catch (RuntimeException e) {
                LOG.debug("copy progress of job {} not sampled: {}", j.id(), e.toString());
            }
        }
        samples = List.copyOf(out);
    }

    @Override
    public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                sampleOnce();
            } catch (RuntimeException e) {
                LOG.debug("job copy sampling failed: {}", e.toString());
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        timer.shutdownNow();
    }
}
