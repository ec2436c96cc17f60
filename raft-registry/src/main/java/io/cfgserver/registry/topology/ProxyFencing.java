package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a proxy does once its lease has ended without a renewal (docs/agent.md, "Static stability").
 */
public enum ProxyFencing {
    /**
     * Keep serving the last map; fence, group by group, the groups whose masters no longer show
     * data-plane evidence that the map still holds for them (the default).
     */
    PER_GROUP("per-group"),
    /** Stop the whole proxy (its nutcracker) when the lease ends. */
    STRICT("strict"),
    /** Keep serving the last map, whatever happens to it. */
    OFF("off");

    private final String wire;

    ProxyFencing(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static ProxyFencing parse(String s) {
        for (ProxyFencing f : values()) {
            if (f.wire.equals(s)) {
                return f;
            }
        }
        throw new InvalidTopologyException("proxyFencing must be one of " + choices() + ", got '" + s + "'");
    }

    public static String choices() {
        return Arrays.stream(values()).map(ProxyFencing::wire).collect(Collectors.joining(", "));
    }
}
