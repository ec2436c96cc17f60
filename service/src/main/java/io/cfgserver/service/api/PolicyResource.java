package io.cfgserver.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cfgserver.registry.Json;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.SetPolicy;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.ProxyFencing;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /v1/clusters/{name}/policy}. PUT takes the fields to change; the others keep their value
 * (so {@code {"autoFailover":false}} is enough to switch automatic failover off).
 */
@Path("/v1/clusters/{name}/policy")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PolicyResource {
    private final RegistryClient registry;
    private final Clock clock;

    public PolicyResource(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @GET
    public Policy show(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        return Reads.cluster(Reads.state(registry, consistency), name).policy();
    }

    @PUT
    public Policy update(@PathParam("name") String name, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("send a JSON object with the policy fields to change, e.g. {\"autoFailover\":false}");
        }
        ObjectMapper mapper = Json.mapper();
        Policy current = Reads.cluster(registry.read(), name).policy();
        ObjectNode merged = mapper.valueToTree(current);
        Set<String> known = new TreeSet<>();
        merged.fieldNames().forEachRemaining(known::add);
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!known.contains(field)) {
                throw ApiError.badRequest("unknown policy field '" + field + "'; known fields: " + String.join(", ", known));
            }
            JsonNode value = body.get(field);
            JsonNode was = merged.get(field);
            if (field.equals("proxyFencing")) {
                try {
                    ProxyFencing.parse(value.isTextual() ? value.asText() : value.toString());
                } catch (InvalidTopologyException e) {
                    throw ApiError.badRequest("policy field 'proxyFencing': " + e.getMessage());
                }
            } else if (was.isBoolean() != value.isBoolean() || was.isNumber() != value.isNumber()) {
                throw ApiError.badRequest("policy field '" + field + "' must be "
                        + (was.isBoolean() ? "true or false" : "a number") + ", got " + value);
            }
            if (was.isIntegralNumber() && !value.isIntegralNumber()) {
                throw ApiError.badRequest("policy field '" + field + "' must be a whole number, got " + value);
            }
            merged.set(field, value);
        }
        Policy policy;
        try {
            policy = mapper.treeToValue(merged, Policy.class);
        } catch (Exception e) {
            throw ApiError.badRequest("policy is not valid: " + e.getMessage());
        }
        registry.submit(new SetPolicy(name, policy, clock.millis()));
        return policy;
    }
}
