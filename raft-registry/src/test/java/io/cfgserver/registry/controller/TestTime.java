package io.cfgserver.registry.controller;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when told: wall time and the nanosecond source move together. */
final class TestTime extends Clock {
    private volatile long nanos = 1_000_000_000_000L;
    private volatile long millis = 1_700_000_000_000L;

    long nanos() {
        return nanos;
    }

    void advance(long ms) {
        nanos += ms * 1_000_000L;
        millis += ms;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }
}
