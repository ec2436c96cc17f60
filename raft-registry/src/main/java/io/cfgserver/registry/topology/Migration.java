package io.cfgserver.registry.topology;

/**
 * A move of slots {@code from..to} from group {@code source} to group {@code target}, run by job
 * {@code job}. The groups' epochs when the copy (re)started are kept: a failover of either group
 * changes its epoch, and the commit refuses to go on against epochs other than these, so the copy
 * starts again from the new master instead of finishing on stale ground.
 */
public record Migration(String job, int from, int to, String source, String target, long sourceEpoch,
        long targetEpoch, MigrationState state, long startedMillis) {

    public boolean overlaps(int otherFrom, int otherTo) {
        return from <= otherTo && otherFrom <= to;
    }

    public boolean names(String group) {
        return source.equals(group) || target.equals(group);
    }

    public Migration with(MigrationState next) {
        return new Migration(job, from, to, source, target, sourceEpoch, targetEpoch, next, startedMillis);
    }

    public Migration withEpochs(long newSourceEpoch, long newTargetEpoch) {
        return new Migration(job, from, to, source, target, newSourceEpoch, newTargetEpoch, state, startedMillis);
    }

    public String slots() {
        return Slots.logId(from) + ".." + Slots.logId(to);
    }

    public String logId() {
        return "migration-[" + job + "]";
    }
}
