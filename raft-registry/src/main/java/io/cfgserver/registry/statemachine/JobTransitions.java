package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.cluster;
import static io.cfgserver.registry.statemachine.Transitions.conflict;
import static io.cfgserver.registry.statemachine.Transitions.invalid;
import static io.cfgserver.registry.statemachine.Transitions.notFound;
import static io.cfgserver.registry.statemachine.Transitions.nullToEmpty;
import static io.cfgserver.registry.statemachine.Transitions.ok;
import static io.cfgserver.registry.statemachine.Transitions.required;

import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.UpdateJob;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.RegistryState;

/**
 * The handlers of the job catalog and the event log: begin (one topology-changing job per cluster
 * at a time), update (a finished job never changes again), record event. Pure, like
 * {@link Transitions}.
 */
final class JobTransitions {
    private JobTransitions() {
    }

    static Outcome applyBeginJob(RegistryState s, BeginJob c) {
        Cluster cluster = cluster(s, c.cluster());
        if (c.job() == null || !Transitions.JOB_ID.matcher(c.job()).matches()) {
            throw invalid("job id '" + c.job() + "' must be 1-80 letters, digits, '.', '_' or '-'");
        }
        if (c.jobType() == null || !Transitions.JOB_TYPE.matcher(c.jobType()).matches()) {
            throw invalid("job type '" + c.jobType() + "' must be lowercase letters, digits and '-'");
        }
        Job existing = s.jobs().get(c.job());
        if (existing != null) {
            // the same workflow entering its job again (REST entered it before the start, or a retried
            // activity whose reply was lost): nothing changes
            if (!existing.state().terminal() && existing.type().equals(c.jobType())
                    && existing.workflowId().equals(c.workflowId()) && existing.cluster().equals(cluster.name())) {
                return ok(s, cluster.version());
            }
            throw conflict("job-[" + c.job() + "] exists already (" + existing.type() + ", " + existing.state() + ")");
        }
        if (c.changesTopology()) {
            for (Job other : s.jobsOf(cluster.name())) {
                if (!other.state().terminal() && other.changesTopology()) {
                    throw conflict(other.logId() + " (" + other.type() + ") is still " + other.state() + " on "
                            + cluster.logId() + ": one topology-changing job per cluster at a time; wait for it or cancel it");
                }
            }
        }
        Job job = new Job(c.job(), cluster.name(), c.jobType(), c.workflowId(), c.params(), c.changesTopology(),
                JobState.RUNNING, "",
                c.atMillis(), c.atMillis());
        return ok(s.withJob(job).withEvent(cluster.name(), c.atMillis(), "+job-start", job.logId(), job.type()),
                cluster.version());
    }

    static Outcome applyUpdateJob(RegistryState s, UpdateJob c) {
        Job job = s.job(c.job()).orElseThrow(() -> notFound("job-[" + c.job() + "] does not exist"));
        JobState state = required(c.state(), "state");
        if (job.state().terminal()) {
            if (job.state() == state) {
                return ok(s, versionOf(s, job.cluster()));
            }
            throw conflict(job.logId() + " has finished as " + job.state() + " and cannot become " + state);
        }
        Job next = job.with(state, c.message() == null ? "" : c.message(), c.atMillis());
        RegistryState s2 = s.withJob(next);
        if (state != job.state()) {
            s2 = s2.withEvent(job.cluster(), c.atMillis(), jobEventType(state), job.logId(),
                    job.type() + (next.message().isEmpty() ? "" : ": " + next.message()));
        }
        return ok(s2, versionOf(s, job.cluster()));
    }

    static Outcome applyRecordEvent(RegistryState s, RecordEvent c) {
        Cluster cluster = cluster(s, c.cluster());
        if (c.eventType() == null || !Transitions.EVENT_TYPE.matcher(c.eventType()).matches()) {
            throw invalid("event type '" + c.eventType() + "' must look like +name or -name");
        }
        return ok(s.withEvent(cluster.name(), c.atMillis(), c.eventType(), nullToEmpty(c.subject()),
                nullToEmpty(c.message())), cluster.version());
    }

    private static String jobEventType(JobState state) {
        return switch (state) {
            case RUNNING -> "+job-resume";
            case PAUSED -> "+job-pause";
            case SUCCEEDED -> "+job-done";
            case FAILED -> "-job-failed";
            case CANCELLED -> "-job-cancelled";
        };
    }

    private static long versionOf(RegistryState s, String cluster) {
        return s.cluster(cluster).map(Cluster::version).orElse(0L);
    }
}
