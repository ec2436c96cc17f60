/** The steps of the config-rollout job and of applying a cluster's config to a new replica (docs/config.md). */
package io.cfgserver.activities.config;
