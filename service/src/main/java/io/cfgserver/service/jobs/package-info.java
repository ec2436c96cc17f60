/**
 * Job requests from the API: validation, the catalog entry in the registry, and the start of the
 * Temporal workflow. Orchestration itself lives in the workflows module.
 */
package io.cfgserver.service.jobs;
