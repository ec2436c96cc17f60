package io.cfgserver.registry.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A change to the registry. Each command is a record with a stable type name (the JSON
 * {@code "type"} property written to the Raft log): never rename or reuse one. Times come inside
 * the command ({@link #atMillis()}), so applying it reads no clock.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = CreateCluster.class, name = "CreateCluster"),
    @JsonSubTypes.Type(value = DeleteCluster.class, name = "DeleteCluster"),
    @JsonSubTypes.Type(value = AddGroup.class, name = "AddGroup"),
    @JsonSubTypes.Type(value = RemoveGroup.class, name = "RemoveGroup"),
    @JsonSubTypes.Type(value = AddReplica.class, name = "AddReplica"),
    @JsonSubTypes.Type(value = RemoveReplica.class, name = "RemoveReplica"),
    @JsonSubTypes.Type(value = AddProxy.class, name = "AddProxy"),
    @JsonSubTypes.Type(value = RemoveProxy.class, name = "RemoveProxy"),
    @JsonSubTypes.Type(value = SetPolicy.class, name = "SetPolicy"),
    @JsonSubTypes.Type(value = AssignSlots.class, name = "AssignSlots"),
    @JsonSubTypes.Type(value = BeginJob.class, name = "BeginJob"),
    @JsonSubTypes.Type(value = UpdateJob.class, name = "UpdateJob"),
    @JsonSubTypes.Type(value = RecordEvent.class, name = "RecordEvent"),
    @JsonSubTypes.Type(value = RenewLease.class, name = "RenewLease"),
    @JsonSubTypes.Type(value = SetProxyListen.class, name = "SetProxyListen"),
    @JsonSubTypes.Type(value = BeginFailover.class, name = "BeginFailover"),
    @JsonSubTypes.Type(value = PromoteReplica.class, name = "PromoteReplica"),
    @JsonSubTypes.Type(value = EndFailover.class, name = "EndFailover"),
    @JsonSubTypes.Type(value = RequestSwitchover.class, name = "RequestSwitchover"),
    @JsonSubTypes.Type(value = SetReplicaBanned.class, name = "SetReplicaBanned"),
    @JsonSubTypes.Type(value = ClearStale.class, name = "ClearStale"),
    @JsonSubTypes.Type(value = BeginMigration.class, name = "BeginMigration"),
    @JsonSubTypes.Type(value = CommitMigration.class, name = "CommitMigration"),
    @JsonSubTypes.Type(value = EndMigration.class, name = "EndMigration"),
    @JsonSubTypes.Type(value = PatchConfig.class, name = "PatchConfig"),
    @JsonSubTypes.Type(value = RollbackConfig.class, name = "RollbackConfig"),
    @JsonSubTypes.Type(value = SetProxySettings.class, name = "SetProxySettings"),
    @JsonSubTypes.Type(value = MarkConfigRolledOut.class, name = "MarkConfigRolledOut"),
    @JsonSubTypes.Type(value = SetConfigDrift.class, name = "SetConfigDrift"),
    @JsonSubTypes.Type(value = PatchPolicy.class, name = "PatchPolicy"),
    @JsonSubTypes.Type(value = RecordAudit.class, name = "RecordAudit"),
    @JsonSubTypes.Type(value = SetMaintenance.class, name = "SetMaintenance"),
    @JsonSubTypes.Type(value = EndMaintenance.class, name = "EndMaintenance"),
})
public sealed interface Command
        permits CreateCluster, DeleteCluster, AddGroup, RemoveGroup, AddReplica, RemoveReplica,
                AddProxy, RemoveProxy, SetPolicy, AssignSlots, BeginJob, UpdateJob, RecordEvent, RenewLease,
                SetProxyListen, BeginFailover, PromoteReplica, EndFailover, RequestSwitchover, SetReplicaBanned,
                ClearStale, BeginMigration, CommitMigration, EndMigration, PatchConfig, RollbackConfig,
                SetProxySettings, MarkConfigRolledOut, SetConfigDrift, PatchPolicy, RecordAudit,
                SetMaintenance, EndMaintenance {

    /** When the command was issued, by the issuer's clock. */
    long atMillis();

    /** The cluster the command is about. */
    String cluster();
}
