package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.topology.AuditEntry;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/audit}: who changed what, and who was refused, newest last. Filters: {@code afterSeq}
 * (lines after this one, for following), {@code who}, {@code outcome} ({@code ok}, {@code refused},
 * {@code rejected}, {@code failed}), {@code limit} (the newest N of what matches, at most 1000).
 */
@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private static final Set<String> OUTCOMES = Set.of("ok", "refused", "rejected", "failed");
    private final RegistryClient registry;

    public AuditResource(RegistryClient registry) {
        this.registry = registry;
    }

    @GET
    @RolesAllowed({Role.OPERATOR_NAME})
    public List<AuditEntry> list(@QueryParam("afterSeq") Long afterSeq, @QueryParam("who") String who,
            @QueryParam("outcome") String outcome, @QueryParam("limit") Integer limit,
            @QueryParam("consistency") String consistency) {
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw ApiError.badRequest("outcome must be one of ok, refused, rejected, failed; got '" + outcome + "'");
        }
        if (afterSeq != null && afterSeq < 0) {
            throw ApiError.badRequest("afterSeq must be 0 or more, got " + afterSeq);
        }
        int max = limit == null ? 100 : limit;
        if (max < 1 || max > 1000) {
            throw ApiError.badRequest("limit must be between 1 and 1000, got " + max);
        }
        long after = afterSeq == null ? 0 : afterSeq;
        List<AuditEntry> lines = Reads.state(registry, consistency).audit().stream()
                .filter(e -> e.seq() > after)
                .filter(e -> who == null || who.equals(e.who()))
                .filter(e -> outcome == null || outcome.equals(e.outcome()))
                .toList();
        return lines.subList(Math.max(0, lines.size() - max), lines.size());
    }
}
