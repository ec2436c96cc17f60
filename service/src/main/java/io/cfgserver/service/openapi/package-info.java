/**
 * The OpenAPI 3 document of the REST API, built from the JAX-RS resources of {@code api} (their
 * paths, parameters and bodies) and completed by {@link io.cfgserver.service.openapi.ApiContract}:
 * the success status of every operation, the JSON errors every operation can answer, and the bearer
 * scheme. Served at {@code GET /v1/openapi.json}. It reads resource classes and annotations only:
 * it must not call a resource, the registry or anything else at run time.
 */
package io.cfgserver.service.openapi;
