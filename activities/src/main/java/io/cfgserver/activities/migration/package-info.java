/**
 * Building blocks of slot migration (issue: online slot migration): reading a group's replication
 * stream as a replica would, to learn which keys of the moving slots change while they are copied
 * ({@link ChangeCapture}). Talks to Redis over its replication protocol and, for the command table,
 * through Jedis; never writes to the instance it reads.
 */
package io.cfgserver.activities.migration;
