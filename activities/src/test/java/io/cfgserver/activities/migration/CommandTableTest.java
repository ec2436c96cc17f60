package io.cfgserver.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTableTest {
    static List<byte[]> args(String... a) {
        return Arrays.stream(a).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    static List<String> strings(List<byte[]> b) {
        return b.stream().map(x -> new String(x, StandardCharsets.UTF_8)).toList();
    }

    final CommandTable table = new CommandTable(Map.of(
            "set", new CommandTable.Spec("set", -3, true, false, 1, 1, 1),
            "mset", new CommandTable.Spec("mset", -3, true, false, 1, -1, 2),
            "del", new CommandTable.Spec("del", -2, true, false, 1, -1, 1),
            "xgroup", new CommandTable.Spec("xgroup", -2, false, false, 0, 0, 0),
            "xgroup|create", new CommandTable.Spec("xgroup|create", -5, true, false, 2, 2, 1),
            "zunionstore", new CommandTable.Spec("zunionstore", -4, true, true, 1, 1, 1)),
            a -> args("dest", "src"));

    @Test
    void findsKeysByFirstLastAndStep() {
        assertThat(strings(table.keys(args("SET", "k", "v", "EX", "10")))).containsExactly("k");
        assertThat(strings(table.keys(args("MSET", "a", "1", "b", "2")))).containsExactly("a", "b");
        assertThat(strings(table.keys(args("del", "a", "b", "c")))).containsExactly("a", "b", "c");
    }

    @Test
    void usesASubcommandsOwnEntryAndAsksForMovableKeys() {
        assertThat(strings(table.keys(args("XGROUP", "CREATE", "stream", "grp", "$")))).containsExactly("stream");
        assertThat(strings(table.keys(args("ZUNIONSTORE", "dest", "1", "src")))).containsExactly("dest", "src");
    }

    @Test
    void refusesACommandItDoesNotKnow() {
        assertThatThrownBy(() -> table.keys(args("ZRANGESTORE", "d", "s", "0", "-1")))
                .isInstanceOf(CommandTable.UnknownCommandException.class).hasMessageContaining("zrangestore");
    }

    @Test
    void readsCommandsCountsBytesAndSkipsADisklessSnapshot() throws Exception {
        String mark = "a".repeat(40);
        byte[] stream = ("$EOF:" + mark + "\r\nRDB-BYTES" + mark + "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        RespReader r = new RespReader(new ByteArrayInputStream(stream));
        assertThat(r.line()).isEqualTo("$EOF:" + mark);
        r.skipPast(mark.getBytes(StandardCharsets.US_ASCII));
        long start = r.consumed();
        assertThat(strings(r.command())).containsExactly("PING");
        assertThat(r.consumed() - start).isEqualTo(14);
        assertThat(strings(r.command())).containsExactly("SET", "k", "v");
        assertThat(r.consumed()).isEqualTo(stream.length);
    }
}
