package io.flotilla.raft.examples.demo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatedClusterDemoTest {
    @Test
    void demoElectsLeadersSurvivesTwoLeaderCrashesAndEndsWithEqualBalances() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new SimulatedClusterDemo(new PrintStream(bytes, true, StandardCharsets.UTF_8), 42).run(12, 0);
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("wins the election and LEADS in term 1");
        assertThat(Pattern.compile("crash of node \\d, the leader").matcher(out).results().count()).isEqualTo(2);
        // After each crash a new leader, in a higher term (split votes may skip terms).
        java.util.List<Long> leaderTerms = Pattern.compile("wins the election and LEADS in term (\\d+)").matcher(out)
                .results().map(r -> Long.parseLong(r.group(1))).toList();
        assertThat(leaderTerms).as(out).hasSizeGreaterThanOrEqualTo(3).isSorted().doesNotHaveDuplicates();
        assertThat(out).contains("'set 100' -> balance 100");
        Matcher done = Pattern.compile("Balances: node 1=(\\d+), node 2=(\\d+), node 3=(\\d+)").matcher(out);
        assertThat(done.find()).as(out).isTrue();
        assertThat(done.group(1)).isEqualTo(done.group(2)).isEqualTo(done.group(3));
        assertThat(Long.parseLong(done.group(1))).isGreaterThan(100);
    }
}
