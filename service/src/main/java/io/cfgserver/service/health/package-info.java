/** Dropwizard health checks on the admin port: registry leader known, Temporal reachable. */
package io.cfgserver.service.health;
