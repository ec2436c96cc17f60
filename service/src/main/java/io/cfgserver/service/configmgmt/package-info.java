/** Checking config changes against a real Redis before they are stored (docs/config.md). */
package io.cfgserver.service.configmgmt;
