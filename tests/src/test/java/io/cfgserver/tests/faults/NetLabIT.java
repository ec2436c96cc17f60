package io.cfgserver.tests.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.NetLab;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The fault fixture itself, against real redis-servers in three namespaces: who reaches whom after
 * each kind of cut, loss and heal, seen from the hosts themselves (redis {@code REPLICAOF} links)
 * and from the test. A fixture whose cut did nothing would make every partition test pass vacuously.
 */
@Timeout(120)
class NetLabIT {
    @TempDir
    static Path tmp;
    static NetLab lab;
    static NetLab.Host a;
    static NetLab.Host b;
    static NetLab.Host c;
    static RedisProcess ra;
    static RedisProcess rb;
    static RedisProcess rc;

    @BeforeAll
    static void start() {
        assertThat(NetLab.unavailable()).as("network namespaces (run deploy/test.sh as root: it installs nftables)").isEmpty();
        lab = NetLab.create();
        a = lab.host("a");
        b = lab.host("b");
        c = lab.host("c");
        ra = RedisProcess.start(tmp, a.placement());
        rb = RedisProcess.start(tmp, b.placement());
        rc = RedisProcess.start(tmp, c.placement());
    }

    @AfterAll
    static void stop() {
        for (RedisProcess r : new RedisProcess[] {ra, rb, rc}) {
            if (r != null) {
                r.close();
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** True when {@code from}'s redis can open a connection to {@code to}'s and get a reply (MIGRATE-free: a replica link). */
    static boolean reaches(RedisProcess from, RedisProcess to) throws InterruptedException {
        try (Jedis j = from.jedis()) {
            j.replicaof(to.address().split(":")[0], to.port());
            for (int i = 0; i < 30; i++) {
                if (j.info("replication").contains("master_link_status:up")) {
                    j.replicaofNoOne();
                    return true;
                }
                Thread.sleep(50);
            }
            j.replicaofNoOne();
            return false;
        }
    }

    static boolean testReaches(RedisProcess r) {
        try (Jedis j = new Jedis(new HostAndPort(r.address().split(":")[0], r.port()),
                DefaultJedisClientConfig.builder().connectionTimeoutMillis(500).socketTimeoutMillis(500).build())) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void cutsHealsAndLosses() throws Exception {
        assertThat(a.ip()).isNotEqualTo(b.ip()).startsWith("10.213.");
        assertThat(reaches(ra, rb)).as("a -> b before any fault").isTrue();
        assertThat(testReaches(ra)).isTrue();

        // both ways between a and b; c and the test still reach both
        lab.cut(List.of(a), List.of(b));
        assertThat(reaches(ra, rb)).as("a -> b cut").isFalse();
        assertThat(reaches(rb, ra)).as("b -> a cut").isFalse();
        assertThat(reaches(rc, ra)).as("c -> a").isTrue();
        assertThat(reaches(ra, rc)).as("a -> c").isTrue();
        assertThat(testReaches(ra) && testReaches(rb)).as("the test reaches both").isTrue();
        lab.heal();
        assertThat(reaches(ra, rb)).as("a -> b healed").isTrue();

        // one way: a's packets to b dropped, b's to a delivered (so no TCP either way, but c unaffected)
        lab.cutOneWay(a, b);
        assertThat(lab.rules(b)).contains("ip saddr " + a.ip() + " drop");
        assertThat(lab.rules(a)).doesNotContain("drop");
        assertThat(reaches(ra, rb)).isFalse();
        lab.heal();

        // a cut from the outside: the test cannot reach a; hosts still can
        lab.cut(List.of(a), List.of(lab.outside()));
        assertThat(testReaches(ra)).as("test -> a cut").isFalse();
        assertThat(reaches(rb, ra)).as("b -> a").isTrue();
        lab.heal();
        assertThat(testReaches(ra)).isTrue();

        // 100 % loss is a cut; 0 % is none
        lab.loss(a, 100);
        assertThat(testReaches(ra)).isFalse();
        lab.heal();
        lab.loss(a, 0);
        assertThat(testReaches(ra)).isTrue();
        lab.heal();

        assertThatThrownBy(() -> lab.loss(a, 101)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lab.cutOneWay(a, a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lab.host("a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPausedProcessKeepsItsSocketButAnswersNothing() throws Exception {
        ProcessHandle h = rc.handle().orElseThrow();
        NetLab.pause(h);
        try {
            assertThat(testReaches(rc)).isFalse();
        } finally {
            NetLab.resume(h);
        }
        assertThat(testReaches(rc)).isTrue();
    }
}
