/**
 * The service's link to Temporal: connection, worker, search attributes. It must never block
 * the service's start or the registry: Temporal may be down while stop-loss keeps working.
 */
package io.cfgserver.service.temporal;
