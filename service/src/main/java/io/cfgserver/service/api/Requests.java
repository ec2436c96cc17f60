package io.cfgserver.service.api;

import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.InvalidTopologyException;
import java.util.ArrayList;
import java.util.List;

/**
 * Request bodies of the REST API and their translation into registry values. Addresses are plain
 * {@code "host:port"} strings here so that an error can name the field it came from.
 */
public final class Requests {
    private Requests() {
    }

    /** {@code {"id","master","replicas"}}. */
    public record GroupBody(String id, String master, List<String> replicas) {
    }

    /** {@code {"id","listen"}}. */
    public record ProxyBody(String id, String listen) {
    }

    /** {@code POST /v1/clusters}. */
    public record CreateClusterBody(String name, List<GroupBody> groups, List<ProxyBody> proxies) {
    }

    /** {@code POST .../groups/{id}/replicas}. */
    public record ReplicaBody(String address, Integer priority, String region) {
    }

    /** {@code PUT .../slots}. */
    public record SlotsBody(List<RangeBody> ranges, Boolean force) {
    }

    /** One slot range of {@link SlotsBody}. */
    public record RangeBody(Integer from, Integer to, String group) {
    }

    static <T> T required(T body, String what) {
        if (body == null) {
            throw ApiError.badRequest("request body is missing: send " + what + " as JSON");
        }
        return body;
    }

    static Address address(String text, String field) {
        if (text == null || text.isBlank()) {
            throw ApiError.invalid(field + " is missing: expected \"host:port\"");
        }
        try {
            return Address.parse(text);
        } catch (InvalidTopologyException e) {
            throw ApiError.invalid(field + ": " + e.getMessage());
        }
    }

    static GroupSpec group(GroupBody g, String field) {
        if (g == null) {
            throw ApiError.invalid(field + " is null: expected {\"id\",\"master\",\"replicas\"}");
        }
        if (g.id() == null || g.id().isBlank()) {
            throw ApiError.invalid(field + ".id is missing");
        }
        Address master = address(g.master(), field + ".master (the master of group " + g.id() + ")");
        List<Address> replicas = new ArrayList<>();
        List<String> list = g.replicas() == null ? List.of() : g.replicas();
        for (int i = 0; i < list.size(); i++) {
            replicas.add(address(list.get(i), field + ".replicas[" + i + "]"));
        }
        return new GroupSpec(g.id(), master, replicas);
    }

    static ProxySpec proxy(ProxyBody p, String field) {
        if (p == null) {
            throw ApiError.invalid(field + " is null: expected {\"id\",\"listen\"}");
        }
        if (p.id() == null || p.id().isBlank()) {
            throw ApiError.invalid(field + ".id is missing");
        }
        return new ProxySpec(p.id(), address(p.listen(), field + ".listen"));
    }
}
