/**
 * The proxy agent ({@code cfgserver agent}): runs beside one nutcracker, keeps it on the registry's
 * slot map, acks the version it serves and fences it when its lease ends. It talks to the registry
 * through the REST API only, and to nutcracker through files, signals and a PING.
 */
package io.cfgserver.service.agent;
