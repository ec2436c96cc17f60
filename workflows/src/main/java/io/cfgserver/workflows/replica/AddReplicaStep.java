package io.cfgserver.workflows.replica;

/** The steps of an add-replica job, in order. The job may park (pause) before each. */
public enum AddReplicaStep {
    LOOKUP_MASTER("lookup-master"),
    REPLICA_OF("replica-of"),
    AWAIT_SYNC("await-sync"),
    /** The commit point: from here on the job is neither paused nor cancelled. */
    REGISTER("register"),
    FINISH("finish");

    private final String label;

    AddReplicaStep(String label) {
        this.label = label;
    }

    /** The name shown in progress and messages. */
    public String label() {
        return label;
    }

    public int index() {
        return ordinal() + 1;
    }

    public static int total() {
        return values().length;
    }
}
