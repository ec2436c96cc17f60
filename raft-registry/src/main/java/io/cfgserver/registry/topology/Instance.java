package io.cfgserver.registry.topology;

/**
 * One redis-server of a group.
 *
 * @param priority promotion priority; 0 means never promote (as Redis' replica-priority)
 * @param region   optional region (null when regions are not used)
 * @param banned   a banned replica is never promoted until re-admitted
 * @param stale    a former master replaced by a failover: it must be demoted (made a replica of the
 *                 new master) before it counts as a replica; never promoted while stale
 */
public record Instance(Address address, int priority, String region, boolean banned, boolean stale) {
    public static final int DEFAULT_PRIORITY = 100;

    public Instance {
        if (address == null) {
            throw new InvalidTopologyException("instance address is missing");
        }
        if (priority < 0) {
            throw new InvalidTopologyException("priority of " + address.logId() + " must be >= 0, got " + priority);
        }
    }

    public Instance(Address address, int priority, String region, boolean banned) {
        this(address, priority, region, banned, false);
    }

    public static Instance of(Address address) {
        return new Instance(address, DEFAULT_PRIORITY, null, false, false);
    }

    public Instance withBanned(boolean value) {
        return new Instance(address, priority, region, value, stale);
    }

    public Instance withStale(boolean value) {
        return new Instance(address, priority, region, banned, value);
    }

    /** Can be promoted: not banned, not stale, priority above 0. */
    public boolean promotable() {
        return !banned && !stale && priority > 0;
    }
}
