/** The service's configuration classes: what a YAML file may say, validated at start. */
package io.cfgserver.service.config;
