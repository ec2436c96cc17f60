package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.statemachine.Transitions;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Event;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The registry's own transition function behind the client interface, in memory: what the controller
 * commits is applied (and refused) exactly as the state machine would, without Raft.
 */
final class FakeRegistry implements RegistryClient {
    private volatile RegistryState state;
    final List<Command> submitted = new CopyOnWriteArrayList<>();
    private volatile Predicate<Command> refuse = c -> false;

    FakeRegistry(RegistryState state) {
        this.state = state;
    }

    /** Commands matching {@code p} fail as if no leader could be reached. */
    void refuse(Predicate<Command> p) {
        this.refuse = p;
    }

    @Override
    public synchronized CommandResult submit(Command command) {
        if (refuse.test(command)) {
            throw new io.cfgserver.registry.client.RegistryUnavailableException("refused by the test: " + command, null);
        }
        Transitions.Outcome o = Transitions.apply(state, command);
        if (!o.result().ok()) {
            throw new CommandRejectedException(o.result().code(), o.result().message());
        }
        submitted.add(command);
        state = o.state();
        return o.result();
    }

    <T extends Command> List<T> submitted(Class<T> type) {
        return submitted.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<String> eventTypes(String cluster) {
        return state.events(cluster).stream().map(Event::type).toList();
    }

    List<Event> events(String cluster) {
        return state.events(cluster);
    }

    @Override
    public RegistryState read() {
        return state;
    }

    @Override
    public RegistryState readLocal() {
        return state;
    }

    @Override
    public Optional<Cluster> awaitVersion(String cluster, long afterVersion, Duration timeout) {
        return state.cluster(cluster);
    }

    @Override
    public RegistryInfo info() {
        return new RegistryInfo("p1", "LEADER", "p1", 1, 0, 0, List.of());
    }
}
