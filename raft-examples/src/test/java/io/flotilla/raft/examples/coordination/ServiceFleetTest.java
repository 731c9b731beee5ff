package io.flotilla.raft.examples.coordination;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceFleetTest {
    @Test
    void theFleetFinishesItsJobsAfterItsLeadingWorkerIsKilled() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int done = ServiceFleet.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), 12);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(done).as(out).isEqualTo(12);
        assertThat(out).contains("killing the leading worker");
        assertThat(out.lines().filter(l -> l.matches("worker-\\d leads \\(term \\d+\\)")).count())
                .as("a second worker took over after the kill\n%s", out).isGreaterThanOrEqualTo(2);
        assertThat(out).containsPattern("done: 12 jobs acknowledged, pending 0, leader now worker-\\d, workers \\[worker-\\d@127.0.0.1, worker-\\d@127.0.0.1\\]");
    }
}
