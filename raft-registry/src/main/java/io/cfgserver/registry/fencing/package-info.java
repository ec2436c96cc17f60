/**
 * Data-plane fencing evidence (docs/agent.md, "Static stability"): the stamp the controller writes
 * on every master it has committed ({@link FencingStamp}, in a database twemproxy never selects),
 * the pure judgement an agent makes from what a group's master and replicas say
 * ({@link GroupEvidence}), and the reading of it from Redis ({@link EvidenceReader}). An agent that
 * cannot reach the registry uses it to keep serving the groups whose map still holds and to fence the
 * others. This package decides nothing about the registry and never writes to Redis except the stamp.
 */
package io.cfgserver.registry.fencing;
