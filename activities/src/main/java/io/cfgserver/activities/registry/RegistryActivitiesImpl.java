package io.cfgserver.activities.registry;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AddReplica;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.command.UpdateJob;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RegistryActivities} over a {@link RegistryClient}. Reads are linearizable; commands
 * carry this process' clock. {@code RegistryUnavailableException} is left to propagate: Temporal
 * retries it.
 */
public class RegistryActivitiesImpl implements RegistryActivities {
    private static final Logger log = LoggerFactory.getLogger(RegistryActivitiesImpl.class);

    private final RegistryClient registry;
    private final Clock clock;

    public RegistryActivitiesImpl(RegistryClient registry) {
        this(registry, Clock.systemUTC());
    }

    public RegistryActivitiesImpl(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public String groupMaster(String cluster, String group) {
        return group(cluster, group).master().address().toString();
    }

    @Override
    public boolean isReplicaRegistered(String cluster, String group, String address) {
        return group(cluster, group).replica(address(address)).isPresent();
    }

    @Override
    public void registerReplica(String cluster, String group, String address, Integer priority, String region) {
        Address a = address(address);
        if (group(cluster, group).replica(a).isPresent()) {
            log.info("{} is already a replica of group-[{}] in cluster-[{}]", a.logId(), group, cluster);
            return;
        }
        try {
            submit(new AddReplica(cluster, group, a, priority, region, clock.millis()));
        } catch (ApplicationFailure refused) {
            // A concurrent attempt (the reply of an earlier one was lost) may have registered it meanwhile.
            if (group(cluster, group).replica(a).isPresent()) {
                return;
            }
            throw refused;
        }
    }

    @Override
    public void enterJob(String cluster, String jobId, String workflowId, String type, java.util.Map<String, String> params,
            boolean changesTopology) {
        submit(new io.cfgserver.registry.command.BeginJob(cluster, jobId, type, workflowId, params, changesTopology,
                clock.millis()));
    }

    @Override
    public void markJob(String cluster, String jobId, JobState state, String message) {
        if (state == null || state.terminal()) {
            throw ApplicationFailure.newNonRetryableFailure("markJob moves a job to RUNNING or PAUSED, not " + state
                    + ": use finishJob to end it", FAILURE_REJECTED);
        }
        submit(new UpdateJob(cluster, jobId, state, message, clock.millis()));
    }

    @Override
    public void finishJob(String cluster, String jobId, JobState state, String message) {
        if (state == null || !state.terminal()) {
            throw ApplicationFailure.newNonRetryableFailure("finishJob needs SUCCEEDED, FAILED or CANCELLED, not "
                    + state, FAILURE_REJECTED);
        }
        Optional<Job> job = registry.read().job(jobId);
        if (job.isPresent() && job.get().state() == state) {
            return;
        }
        submit(new UpdateJob(cluster, jobId, state, message, clock.millis()));
    }

    @Override
    public void recordEvent(String cluster, String type, String subject, String message) {
        submit(new RecordEvent(cluster, type, subject, message, clock.millis()));
    }

    private Group group(String cluster, String group) {
        Cluster c = registry.read().cluster(cluster).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "cluster-[" + cluster + "] does not exist: check the cluster name", FAILURE_NOT_FOUND));
        return c.group(group).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "group-[" + group + "] does not exist in cluster-[" + cluster + "]: check the group id",
                FAILURE_NOT_FOUND));
    }

    void submit(Command command) {
        CommandResult result;
        try {
            result = registry.submit(command);
        } catch (CommandRejectedException e) {
            throw rejected(command, e.code(), e.getMessage(), e);
        }
        if (result != null && !result.ok()) {
            throw rejected(command, result.code(), result.message(), null);
        }
    }

    private static ApplicationFailure rejected(Command command, RejectCode code, String message, Throwable cause) {
        String type = code == RejectCode.NOT_FOUND ? FAILURE_NOT_FOUND : FAILURE_REJECTED;
        String text = "registry refused " + command.getClass().getSimpleName() + " (" + code + "): " + message;
        return cause == null
                ? ApplicationFailure.newNonRetryableFailure(text, type)
                : ApplicationFailure.newNonRetryableFailureWithCause(text, type, cause);
    }

    private static Address address(String text) {
        try {
            return Address.parse(text);
        } catch (InvalidTopologyException e) {
            throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FAILURE_REJECTED);
        }
    }
}
