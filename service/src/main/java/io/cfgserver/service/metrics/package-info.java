/** The Prometheus endpoint ({@code /prometheus} on the admin port) and what it measures. */
package io.cfgserver.service.metrics;
