package io.flotilla.raft.node;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.message.InstallSnapshot;
import io.flotilla.raft.message.Message;
import io.flotilla.raft.message.SnapshotChunk;
import io.flotilla.raft.message.SnapshotChunkAck;
import io.flotilla.raft.snapshot.InMemorySnapshotStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The leader's side of a snapshot transfer: where it resumes after what the follower says it needs next. */
class SnapshotSenderTest {
    private static final int CHUNK = 100;
    private static final int TIMEOUT_TICKS = 100;

    private final List<Message> sent = new ArrayList<>();
    private final List<String> reports = new ArrayList<>();
    private final InMemorySnapshotStore store = new InMemorySnapshotStore();
    private final SnapshotMeta meta = save(1000);

    private SnapshotSender sender(int window) {
        SnapshotPolicy policy = SnapshotPolicy.defaults().withTransfer(CHUNK, window, Duration.ofSeconds(1));
        return new SnapshotSender(store, sent::add, (peer, delivered) -> reports.add(peer + " " + delivered), policy,
                TIMEOUT_TICKS);
    }

    private SnapshotMeta save(int bytes) {
        try {
            return store.save(10, 2, Membership.ofVoters(List.of(1L, 2L, 3L)), out -> out.write(new byte[bytes]));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private SnapshotChunkAck ack(long nextOffset) {
        return new SnapshotChunkAck(1, 2, 1, 2, meta.index(), meta.term(), nextOffset,
                SnapshotChunkAck.Status.RECEIVING);
    }

    private List<Long> offsetsSent() {
        List<Long> offsets = sent.stream().map(m -> ((SnapshotChunk) m).offset()).toList();
        sent.clear();
        return offsets;
    }

    @Test
    void aFollowerThatLostWhatItReceivedIsSentTheSnapshotAgainFromWhereItSaysAtOnce() {
        SnapshotSender s = sender(1);
        s.start(new InstallSnapshot(1, 1, 2, 2, meta));
        s.onAck(ack(100));
        s.onAck(ack(200));
        s.onAck(ack(300));
        assertThat(offsetsSent()).containsExactly(0L, 100L, 200L, 300L);

        s.onAck(ack(0)); // the follower restarted: its partial snapshot is gone, it needs the data from the start

        assertThat(offsetsSent()).as("resumed from the follower's offset, not only after the transfer timeout")
                .containsExactly(0L);
        s.onAck(ack(100));
        assertThat(offsetsSent()).containsExactly(100L);
        assertThat(reports).isEmpty();
    }
}
