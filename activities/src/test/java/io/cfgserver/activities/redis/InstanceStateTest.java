package io.cfgserver.activities.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import org.junit.jupiter.api.Test;

class InstanceStateTest {

    @Test
    void readsAMasterFromInfoReplication() {
        String info = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
                + "slave0:ip=127.0.0.1,port=7001,state=online,offset=1234,lag=0\r\n"
                + "master_failover_state:no-failover\r\nmaster_replid:abc\r\nmaster_replid2:0000\r\n"
                + "master_repl_offset:1234\r\nsecond_repl_offset:-1\r\n";

        InstanceState s = InstanceState.parse("127.0.0.1:7000", info, 5);

        assertThat(s.role()).isEqualTo(InstanceState.Role.MASTER);
        assertThat(s.replicationOffset()).isEqualTo(1234);
        assertThat(s.replicationId()).isEqualTo("abc");
        assertThat(s.connectedReplicas()).isEqualTo(1);
        assertThat(s.dbSize()).isEqualTo(5);
        assertThat(s.masterAddress()).isEqualTo("none");
        assertThat(s.replicates("127.0.0.1:7000")).isFalse();
    }

    @Test
    void readsAReplicaFromInfoReplication() {
        String info = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7000\r\n"
                + "master_link_status:up\r\nmaster_last_io_seconds_ago:1\r\nmaster_sync_in_progress:0\r\n"
                + "slave_read_repl_offset:1200\r\nslave_repl_offset:1200\r\nslave_priority:100\r\n"
                + "connected_slaves:0\r\nmaster_replid:abc\r\nmaster_repl_offset:1200\r\n";

        InstanceState s = InstanceState.parse("127.0.0.1:7001", info, 5);

        assertThat(s.role()).isEqualTo(InstanceState.Role.REPLICA);
        assertThat(s.masterLinkUp()).isTrue();
        assertThat(s.syncInProgress()).isFalse();
        assertThat(s.replicationOffset()).isEqualTo(1200);
        assertThat(s.replicates("127.0.0.1:7000")).isTrue();
        assertThat(s.replicates("127.0.0.1:7002")).isFalse();
        assertThat(s.masterAddress()).isEqualTo("127.0.0.1:7000");
    }

    @Test
    void readsAReplicaWhoseLinkIsDownDuringAFullSync() {
        String info = "role:slave\nmaster_host:10.0.0.5\nmaster_port:6379\nmaster_link_status:down\n"
                + "master_sync_in_progress:1\nslave_repl_offset:0\nmaster_replid:zzz\n";

        InstanceState s = InstanceState.parse("10.0.0.6:6379", info, 0);

        assertThat(s.masterLinkUp()).isFalse();
        assertThat(s.syncInProgress()).isTrue();
        assertThat(s.replicates("10.0.0.5:6379")).isTrue();
    }

    @Test
    void survivesTemporalsDataConverter() {
        InstanceState s = new InstanceState("h:1", InstanceState.Role.REPLICA, "m", 2, true, false, "id", 7, 0, 3);
        SyncProgress p = new SyncProgress("h:1", "m:2", true, false, 10, 7, 3);
        DataConverter converter = DefaultDataConverter.STANDARD_INSTANCE;

        assertThat(converter.fromPayload(converter.toPayload(s).orElseThrow(), InstanceState.class, InstanceState.class))
                .isEqualTo(s);
        assertThat(converter.fromPayload(converter.toPayload(p).orElseThrow(), SyncProgress.class, SyncProgress.class))
                .isEqualTo(p);
    }

    @Test
    void rejectsTextWithoutARole() {
        assertThatThrownBy(() -> InstanceState.parse("h:1", "# Replication\n", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instance-[h:1]");
    }
}
