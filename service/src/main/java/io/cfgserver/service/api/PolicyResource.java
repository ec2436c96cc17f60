package io.cfgserver.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.PatchPolicy;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /v1/clusters/{name}/policy}. PUT takes the fields to change; the others keep their value
 * (so {@code {"autoFailover":false}} is enough to switch automatic failover off). With
 * {@code "expect":{field: value, ...}} the change applies only if those fields have those values
 * when the registry applies it, else 409 and nothing changes (optimistic concurrency: read, then
 * change expecting what was read).
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/policy")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PolicyResource {
    /** The body field of a conditional change: the values the policy must have for the change to apply. */
    static final String EXPECT = "expect";

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

    @RolesAllowed(Role.OPERATOR_NAME)
    @PUT
    public Policy update(@PathParam("name") String name, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("send a JSON object with the policy fields to change, e.g. {\"autoFailover\":false}");
        }
        Map<String, JsonNode> fields = new TreeMap<>();
        body.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
        Map<String, JsonNode> expect = expectation(fields.remove(EXPECT));
        Policy next;
        try {
            // the same rules the state machine applies, answered at once: a malformed field is 400 ...
            Policy current = Reads.clusterForWrite(registry, name).policy();
            next = current.merged(fields);
            current.mismatches(expect); // names and nulls only: whether it holds is decided in the registry
        } catch (InvalidTopologyException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        // ... a well-formed value outside its range 422
        if (!next.problems().isEmpty()) {
            throw ApiError.invalid("policy is invalid: " + String.join("; ", next.problems()));
        }
        // merged inside the state machine: a concurrent change of another field is not lost; the
        // expectation is compared there too, in log order (409 when it does not hold)
        registry.submit(new PatchPolicy(name, texts(fields), expect.isEmpty() ? null : texts(expect), clock.millis()));
        return Reads.cluster(registry.readLocal(), name).policy();
    }

    private static Map<String, JsonNode> expectation(JsonNode expect) {
        Map<String, JsonNode> values = new TreeMap<>();
        if (expect == null) {
            return values;
        }
        if (!expect.isObject() || expect.isEmpty()) {
            throw ApiError.badRequest("\"expect\" must be a JSON object naming the policy fields' current values,"
                    + " e.g. {\"expect\":{\"downAfterMillis\":1000},\"downAfterMillis\":1200}; got " + expect);
        }
        expect.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue()));
        return values;
    }

    private static Map<String, String> texts(Map<String, JsonNode> values) {
        Map<String, String> texts = new TreeMap<>();
        values.forEach((k, v) -> texts.put(k, v.toString()));
        return texts;
    }
}
