/** Setting and reading the Redis parameters of a cluster's config (docs/config.md). */
package io.cfgserver.registry.config;
