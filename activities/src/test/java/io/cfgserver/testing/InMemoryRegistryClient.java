package io.cfgserver.testing;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.client.RegistryUnavailableException;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.statemachine.Transitions;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link RegistryClient} without Raft: one in-memory state advanced by the real
 * {@link Transitions} function. For unit tests of code that uses the registry. Can be told to
 * fail the next submits with {@link RegistryUnavailableException}, as a registry without a leader.
 */
public final class InMemoryRegistryClient implements RegistryClient {
    private RegistryState state = RegistryState.empty();
    private long index;
    private int unavailableSubmits;
    private final List<Command> applied = new ArrayList<>();

    /** Submits a command and fails the test setup if it is refused. */
    public InMemoryRegistryClient given(Command command) {
        submit(command);
        return this;
    }

    /** The next {@code n} submits throw {@link RegistryUnavailableException} without changing anything. */
    public synchronized void failNextSubmits(int n) {
        unavailableSubmits = n;
    }

    /** Every command applied so far (refused ones excluded), oldest first. */
    public synchronized List<Command> applied() {
        return List.copyOf(applied);
    }

    @Override
    public synchronized CommandResult submit(Command command) {
        if (unavailableSubmits > 0) {
            unavailableSubmits--;
            throw new RegistryUnavailableException("test: no registry leader (injected)", null);
        }
        Transitions.Outcome outcome = Transitions.apply(state, command);
        CommandResult result = outcome.result();
        if (!result.ok()) {
            throw new CommandRejectedException(result.code(), result.message());
        }
        state = outcome.state();
        applied.add(command);
        notifyAll();
        return result.atIndex(++index);
    }

    @Override
    public synchronized RegistryState read() {
        return state;
    }

    @Override
    public synchronized RegistryState readLocal() {
        return state;
    }

    @Override
    public synchronized Optional<Cluster> awaitVersion(String cluster, long afterVersion, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Cluster> c = state.cluster(cluster);
            long left = deadline - System.nanoTime();
            if (c.map(Cluster::version).orElse(0L) > afterVersion || left <= 0) {
                return c;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public synchronized RegistryInfo info() {
        return new RegistryInfo("in-memory", "LEADER", "in-memory", 1, index, index,
                List.of(new RegistryInfo.PeerInfo("in-memory", "in-memory")));
    }
}
