package io.cfgserver.workflows.scaling;

import java.util.List;

/**
 * What a scale job did: the plan it ran, each move (its child job and how long writes were held),
 * the moves left for a later run (window ended, maxMoves), and for a scale-in the drained instances,
 * left running and empty.
 */
public record ScaleResult(String jobId, String cluster, String kind, String planId, List<MoveDone> moves, int movesLeft,
        List<String> drainedInstances, boolean skipped, String message, long totalMillis) {
    public record MoveDone(String job, int from, int to, String source, String target, long keys, long heldMillis) {
    }
}
