package io.cfgserver.registry.topology;

/**
 * One entry of a cluster's bounded event log. {@code type} uses the Sentinel-style vocabulary
 * ({@code +cluster-created}, {@code +switch-master}, {@code -failover-abort-no-good-replica}).
 */
public record Event(long seq, long atMillis, String type, String subject, String message) {
    @Override
    public String toString() {
        return type + " " + subject + (message == null || message.isEmpty() ? "" : " " + message);
    }
}
