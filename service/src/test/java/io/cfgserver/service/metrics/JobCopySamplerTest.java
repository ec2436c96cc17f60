package io.cfgserver.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.service.jobs.JobService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobCopySamplerTest {
    static Job job(String id, JobState state) {
        return new Job(id, "demo", "migrate-slots", "wf-" + id, Map.of(), true, state, "", 1, 1);
    }

    @Test
    void samplesTheCopyHeartbeatOfRunningJobsOnly() throws Exception {
        RegistryState s = RegistryState.empty().withJob(job("a", JobState.RUNNING)).withJob(job("b", JobState.SUCCEEDED))
                .withJob(job("c", JobState.RUNNING));
        var heartbeat = new ObjectMapper().readTree(
                "{\"phase\":\"bulk-copy\",\"keysCopied\":120,\"keysEstimate\":1000,\"bytesCopied\":4096,\"keysPerSecond\":60}");
        JobCopySampler sampler = new JobCopySampler(() -> s, id -> {
            if (id.equals("b")) {
                throw new AssertionError("a finished job is not asked");
            }
            return id.equals("a")
                    ? List.of(new JobService.ActivityView("Begin", 1, "STARTED", null, null),
                            new JobService.ActivityView("CopyAndHold", 1, "STARTED", heartbeat, null))
                    : List.<JobService.ActivityView>of();
        }, 1000);
        assertThat(sampler.samples()).isEmpty();
        sampler.sampleOnce();
        assertThat(sampler.samples()).containsExactly(new JobCopySampler.Sample("demo", "a", "migrate-slots", 120, 1000,
                4096, 60));
    }
}
