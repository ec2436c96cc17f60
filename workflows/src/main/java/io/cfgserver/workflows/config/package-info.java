/** The config-rollout job (docs/config.md). */
package io.cfgserver.workflows.config;
