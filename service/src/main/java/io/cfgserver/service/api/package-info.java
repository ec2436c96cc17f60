/**
 * The REST API under {@code /v1}: one resource class per resource, request bodies, JSON errors,
 * authentication and request limits. Resources validate input and call the registry or the job
 * service; they hold no state and talk to no Redis.
 */
package io.cfgserver.service.api;
