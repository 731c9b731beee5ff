package io.flotilla.raft.examples.balance;

import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicatedBalanceTest {
    @Test
    void theThirdNodeReadsTheBalanceSetOnTheLeaderAndRaisedThroughAFollower() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long balance = ReplicatedBalance.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(balance).as(out).isEqualTo(125);
        long leader = node(out, "set 100 on the leader, node (\\d) -> balance 100");
        long follower = node(out, "add 25 through follower node (\\d) -> balance 125");
        long reader = node(out, "linearizable read on node (\\d) -> balance 125");
        assertThat(out).contains("node " + leader + " leads term ");
        Set<Long> distinct = new TreeSet<>(Set.of(leader, follower, reader));
        assertThat(distinct).as("leader, follower and reader are the three nodes\n%s", out).containsExactly(1L, 2L, 3L);
    }

    @Test
    void onRocksDbTheLogOutlivesTheNodesAndASecondRunReplaysIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.util.function.LongFunction<io.flotilla.raft.log.LogStore> rocks = id ->
                io.flotilla.raft.storage.rocksdb.RocksDbLogStore.open(dir.resolve("node-" + id),
                        io.flotilla.raft.storage.rocksdb.RocksDbLogStore.Options.of(1, id));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(ReplicatedBalance.run(quiet, rocks)).isEqualTo(125);
        long firstRun;
        try (io.flotilla.raft.log.LogStore log = rocks.apply(1)) {
            firstRun = log.lastIndex();
            assertThat(log.hardState().term()).isGreaterThanOrEqualTo(1);
        }
        assertThat(firstRun).as("no-op, set 100, add 25").isGreaterThanOrEqualTo(3);
        assertThat(ReplicatedBalance.run(quiet, rocks)).isEqualTo(125);
        try (io.flotilla.raft.log.LogStore log = rocks.apply(1)) {
            assertThat(log.lastIndex()).as("the second run appended after the first run's entries")
                    .isGreaterThanOrEqualTo(firstRun + 3);
            assertThat(log.hardState().term()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aCommandTheBalanceDoesNotKnowFailsWithoutChangingIt() {
        ReplicatedBalance.Balance b = new ReplicatedBalance.Balance();
        assertThat(b.apply(1, Payload.ofUtf8("set 7")).toStringUtf8()).isEqualTo("7");
        assertThat(b.apply(2, Payload.ofUtf8("add 25")).toStringUtf8()).isEqualTo("32");
        assertThatThrownBy(() -> b.apply(3, Payload.ofUtf8("double 2"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown command double");
        assertThat(b.query(Payload.ofUtf8("get")).toStringUtf8()).isEqualTo("32");
    }

    private static long node(String out, String line) {
        Matcher m = Pattern.compile(line).matcher(out);
        assertThat(m.find()).as("expected a line matching '%s' in:\n%s", line, out).isTrue();
        return Long.parseLong(m.group(1));
    }
}
