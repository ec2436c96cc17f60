/**
 * The add-replica job (replica rebuild): attach an empty redis-server to a group's master, wait
 * until it has caught up, then register it in the registry. Registration is the commit point:
 * before it the job may be paused or cancelled (cancellation detaches the instance again); from
 * it on the job completes.
 *
 * <p>Workflow code only: it orchestrates activities and keeps no other state than where it is.
 */
package io.cfgserver.workflows.replica;
