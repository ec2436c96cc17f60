package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.addressesInUse;
import static io.cfgserver.registry.statemachine.Transitions.cluster;
import static io.cfgserver.registry.statemachine.Transitions.conflict;
import static io.cfgserver.registry.statemachine.Transitions.invalid;
import static io.cfgserver.registry.statemachine.Transitions.newProxies;
import static io.cfgserver.registry.statemachine.Transitions.notFound;
import static io.cfgserver.registry.statemachine.Transitions.ok;
import static io.cfgserver.registry.statemachine.Transitions.required;

import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.RemoveProxy;
import io.cfgserver.registry.command.RenewLease;
import io.cfgserver.registry.command.SetProxyListen;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.RegistryState;
import java.util.ArrayList;
import java.util.List;

/**
 * The handlers of the proxy commands: add, remove, move (a new listen address; the version bumps)
 * and renew lease (the agent acks the version it serves; the version is kept). Pure, like
 * {@link Transitions}.
 */
final class ProxyTransitions {
    private ProxyTransitions() {
    }

    static Outcome applyAddProxy(RegistryState s, AddProxy c) {
        Cluster cluster = cluster(s, c.cluster());
        if (c.proxy() == null) {
            throw invalid("proxy is missing: give {\"id\",\"listen\":\"host:port\"}");
        }
        Proxy proxy = newProxies(List.of(c.proxy()), addressesInUse(s)).get(0);
        if (cluster.proxy(proxy.id()).isPresent()) {
            throw conflict(proxy.logId() + " exists already in " + cluster.logId());
        }
        List<Proxy> proxies = new ArrayList<>(cluster.proxies());
        // a new proxy starts with the rolled-out nutcracker settings: nothing to roll for it
        io.cfgserver.registry.topology.ConfigVersion settled = cluster.config().rolledOutVersion();
        proxies.add(settled.version() == 0 ? proxy : proxy.withSettings(settled.nutcracker(), settled.version()));
        Cluster next = cluster.withProxies(proxies).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+proxy-added", proxy.logId(),
                "listen " + proxy.listen()), next.version());
    }

    static Outcome applyRemoveProxy(RegistryState s, RemoveProxy c) {
        Cluster cluster = cluster(s, c.cluster());
        Proxy proxy = cluster.proxy(c.proxy())
                .orElseThrow(() -> notFound("proxy-[" + c.proxy() + "] is not in " + cluster.logId()));
        Cluster next = cluster.withProxies(cluster.proxies().stream().filter(p -> p != proxy).toList()).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "-proxy-removed", proxy.logId(), ""),
                next.version());
    }

    static Outcome applySetProxyListen(RegistryState s, SetProxyListen c) {
        Cluster cluster = cluster(s, c.cluster());
        Proxy proxy = cluster.proxy(c.proxy())
                .orElseThrow(() -> notFound("proxy-[" + c.proxy() + "] is not in " + cluster.logId()));
        Address listen = required(c.listen(), "listen");
        if (listen.equals(proxy.listen())) {
            return ok(s, cluster.version());
        }
        if (addressesInUse(s).contains(listen)) {
            throw conflict("listen address " + listen + " is already in use by an instance or proxy");
        }
        Cluster next = cluster.mapProxy(proxy.id(),
                p -> p.withListen(listen)).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+proxy-moved", proxy.logId(),
                proxy.listen() + " -> " + listen), next.version());
    }

    static Outcome applyRenewLease(RegistryState s, RenewLease c) {
        Cluster cluster = cluster(s, c.cluster());
        Proxy proxy = cluster.proxy(c.proxy())
                .orElseThrow(() -> notFound("proxy-[" + c.proxy() + "] is not in " + cluster.logId()));
        if (c.servedVersion() < 0 || c.servedVersion() > cluster.version()) {
            throw invalid(proxy.logId() + " cannot serve version " + c.servedVersion() + ": " + cluster.logId()
                    + " is at version " + cluster.version());
        }
        if (c.leaseEndMillis() < c.atMillis()) {
            throw invalid("lease end " + c.leaseEndMillis() + " is before the renewal time " + c.atMillis());
        }
        if (c.unattendedEndMillis() != 0 && c.unattendedEndMillis() < c.leaseEndMillis()) {
            throw invalid("unattended end " + c.unattendedEndMillis() + " is before the lease end " + c.leaseEndMillis());
        }
        if (c.evidenceVouchMillis() < 0) {
            throw invalid("evidenceVouchMillis must be >= 0");
        }
        // an agent that does not say (an older one) vouches the default unattendedMillis, also after its rounds
        boolean says = c.unattendedEndMillis() != 0;
        Proxy next = proxy.withAck(c.servedVersion(),
                c.servedVersion() != proxy.servedVersion() ? c.atMillis() : proxy.lastAckMillis(),
                Math.max(proxy.leaseEndMillis(), c.leaseEndMillis()))
                .withUnattended(says ? c.unattendedEndMillis() : c.leaseEndMillis() + Proxy.DEFAULT_UNATTENDED_MILLIS,
                        says ? c.evidenceVouchMillis() : Proxy.DEFAULT_UNATTENDED_MILLIS);
        RegistryState s2 = s.withCluster(cluster.mapProxy(proxy.id(), p -> next));
        if (c.servedVersion() != proxy.servedVersion()) {
            s2 = s2.withEvent(cluster.name(), c.atMillis(), "+proxy-ack", proxy.logId(), "version " + c.servedVersion());
        }
        return ok(s2, cluster.version());
    }
}
