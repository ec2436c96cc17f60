package io.cfgserver.registry.controller;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.RenewLease;
import io.cfgserver.registry.statemachine.Transitions;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.RegistryState;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a failover's registry commands once, on a throwaway state, when a peer starts: their classes load
 * and their JSON (de)serializers are built before the first real failover needs them, which made the
 * first failover after a start 150-200 ms slower than the next ones (the commands are applied on every
 * peer, so every peer warms up). Pure: nothing is written anywhere.
 */
final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);

    private Warmup() {
    }

    static void failoverPath() {
        long t0 = System.nanoTime();
        try {
            long at = 1;
            Address m = new Address("127.0.0.1", 1);
            Address r = new Address("127.0.0.1", 2);
            List<Command> commands = List.of(
                    new CreateCluster("warmup", List.of(new GroupSpec("g1", m, List.of(r))),
                            List.of(new ProxySpec("p1", new Address("127.0.0.1", 3))), at),
                    new RecordEvent("warmup", "+sdown", m.logId(), "warmup", at),
                    new BeginFailover("warmup", "g1", 1, r, "warmup", at),
                    new PromoteReplica("warmup", "g1", 1, at),
                    new RenewLease("warmup", "p1", 2, at + 3000, at),
                    new EndFailover("warmup", "g1", 1, false, FailoverOutcome.DONE.wire(), at));
            RegistryState s = RegistryState.empty();
            for (Command c : commands) {
                Command back = Json.read(Json.write(c), Command.class);
                Transitions.Outcome o = Transitions.apply(s, back);
                Json.read(Json.write(o.result()), CommandResult.class);
                s = o.state();
            }
            LOG.debug("failover path warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.debug("warm-up failed (harmless): {}", e.toString());
        }
    }
}
