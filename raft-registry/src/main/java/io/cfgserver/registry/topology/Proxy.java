package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One twemproxy (nutcracker) and the agent beside it.
 *
 * @param servedVersion  topology version the agent last acked (0: never acked)
 * @param lastAckMillis  when it acked, agent-reported time in the command
 * @param leaseEndMillis when its lease ends unless renewed (0: no lease held)
 * @param nutcracker     the pool settings of the cluster's config the agent renders for this proxy
 *                       ({@code timeout}, {@code server_connections}, ...; empty: the agent's own),
 *                       given proxy by proxy by a {@code config-rollout} so that one restarts at a time
 * @param configVersion  the config version those settings come from (0: none yet)
 * @param unattendedEndMillis the latest time its nutcracker may still serve on the agent's last vouch
 *                       given with a renewal, should the agent die now: the renewing peer's clock plus the
 *                       agent's {@code unattendedMillis} (0: not known, an agent that does not say)
 * @param evidenceVouchMillis how long past one round of data-plane checks its nutcracker may serve when
 *                       the agent vouched in that round while unmanaged and then died
 *                       ({@link #evidenceVouchMillis(long, long)}; 0: not known)
 */
public record Proxy(String id, Address listen, long servedVersion, long lastAckMillis, long leaseEndMillis,
        Map<String, String> nutcracker, long configVersion, long unattendedEndMillis, long evidenceVouchMillis) {

    /** What an agent that does not say its {@code unattendedMillis} is assumed to use (the agent's default). */
    public static final long DEFAULT_UNATTENDED_MILLIS = 30_000;

    @JsonCreator
    public Proxy {
        nutcracker = nutcracker == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(nutcracker));
    }

    public Proxy(String id, Address listen, long servedVersion, long lastAckMillis, long leaseEndMillis) {
        this(id, listen, servedVersion, lastAckMillis, leaseEndMillis, Map.of(), 0, 0, 0);
    }

    /**
     * How long one round of data-plane checks vouches for nutcracker while the agent cannot reach the
     * registry (per-group fencing): {@code unattendedMillis}, as a renewal does, so that an agent
     * restarted while the registry is gone can adopt the nutcracker its predecessor left
     * (StaticStabilityIT). The registry never hears of these rounds, so a slot move's cut-over waits
     * this long past its stamp for a silent proxy ({@link #mayServeOldMapUntil}). Agent and registry
     * both use this. (Two leases were tried: a restarted agent then lost the adoption race.)
     */
    public static long evidenceVouchMillis(long leaseMillis, long unattendedMillis) {
        return unattendedMillis;
    }

    /** Until when its nutcracker may serve on the vouch of its last renewal, should the agent be dead. */
    public long renewalVouchEndMillis() {
        return unattendedEndMillis > 0 ? unattendedEndMillis : leaseEndMillis + DEFAULT_UNATTENDED_MILLIS;
    }

    /**
     * Until when its nutcracker may still serve a map older than one whose fencing stamp was written at
     * {@code stampedAtMillis}, if its agent no longer runs (it may be dead, or cut off from the registry
     * and running data-plane checks: nothing here tells which). The latest of: the last renewal's vouch
     * ({@link #unattendedEndMillis}); a last round of checks begun before the stamp ({@code stamp +}
     * {@link #evidenceVouchMillis}); and, for a living agent, its lease end or the stamp plus
     * {@code evidenceGraceMillis}, by when its next round has seen the stamp and fenced the group.
     */
    public long mayServeOldMapUntil(long stampedAtMillis, long evidenceGraceMillis) {
        long renewed = renewalVouchEndMillis();
        long round = evidenceVouchMillis > 0 ? evidenceVouchMillis : DEFAULT_UNATTENDED_MILLIS;
        return Math.max(Math.max(renewed, stampedAtMillis + round),
                Math.max(leaseEndMillis, stampedAtMillis) + evidenceGraceMillis);
    }

    public static Proxy fresh(String id, Address listen) {
        return new Proxy(id, listen, 0, 0, 0);
    }

    public Proxy withListen(Address value) {
        return new Proxy(id, value, servedVersion, lastAckMillis, leaseEndMillis, nutcracker, configVersion,
                unattendedEndMillis, evidenceVouchMillis);
    }

    public Proxy withAck(long served, long ackMillis, long leaseEnd) {
        return new Proxy(id, listen, served, ackMillis, leaseEnd, nutcracker, configVersion, unattendedEndMillis,
                evidenceVouchMillis);
    }

    /** The unattended end and round vouch a renewal brought (an end never moves back: an earlier vouch may stand). */
    public Proxy withUnattended(long unattendedEnd, long evidenceVouch) {
        return new Proxy(id, listen, servedVersion, lastAckMillis, leaseEndMillis, nutcracker, configVersion,
                Math.max(unattendedEndMillis, unattendedEnd), evidenceVouch);
    }

    public Proxy withSettings(Map<String, String> value, long fromConfigVersion) {
        return new Proxy(id, listen, servedVersion, lastAckMillis, leaseEndMillis, value, fromConfigVersion,
                unattendedEndMillis, evidenceVouchMillis);
    }

    public String logId() {
        return "proxy-[" + id + "]";
    }
}
