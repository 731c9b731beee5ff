package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.examples.coordination.Answer.Response;
import io.flotilla.raft.log.Payload;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The coordination state machine driven directly, entry by entry, as the apply thread would. */
class CoordinationStateMachineTest {
    private final CoordinationStateMachine sm = new CoordinationStateMachine(8);
    private long index;
    private long seq;
    private long nonce;

    private Response apply(Command c) {
        // Through the wire format both ways, as on a node.
        return (Response) Wire.decodeAnswer(sm.apply(++index, Wire.encode(c)));
    }

    private Response request(long session, Op... ops) {
        return apply(new Command.Request(session, ++seq, 0, List.of(ops)));
    }

    private Answer query(Query q) {
        return Wire.decodeAnswer(sm.query(Wire.encode(q)));
    }

    private static Op.Create persistent(String path, String data) {
        return new Op.Create(path, Payload.ofUtf8(data), false, false);
    }

    private long openSession(long ttl) {
        Response r = apply(new Command.OpenSession(ttl, ++nonce));
        assertThat(r.ok()).isTrue();
        return r.revision();
    }

    @Test
    void aSessionIdIsTheIndexOfItsOpenSessionEntry() {
        apply(new Command.Tick(1, 1000));
        long s = openSession(500);
        assertThat(s).isEqualTo(2);
        assertThat(sm.sessionIds()).containsExactly(2L);
    }

    @Test
    void aRetriedOpenSessionAnswersTheSameSession() {
        Command.OpenSession open = new Command.OpenSession(1000, 42);
        long id = apply(open).revision();
        assertThat(apply(open).revision()).isEqualTo(id);
        assertThat(sm.sessionIds()).containsExactly(id);
        apply(new Command.CloseSession(id));
        assertThat(apply(open).revision()).as("a closed session's nonce opens a new one").isEqualTo(index);
    }

    @Test
    void createSetDeleteWithVersionChecks() {
        long s = openSession(1000);
        assertThat(request(s, persistent("/a", "x")).ok()).isTrue();
        assertThat(request(s, persistent("/a", "y")).code()).isEqualTo(Code.NODE_EXISTS);
        assertThat(request(s, persistent("/nope/b", "y")).code()).isEqualTo(Code.NO_NODE);
        Response set = request(s, new Op.SetData("/a", Payload.ofUtf8("x2"), 0));
        assertThat(set.ok()).isTrue();
        assertThat(set.results().get(0).stat().version()).isEqualTo(1);
        assertThat(set.results().get(0).stat().modifiedRevision()).isEqualTo(index);
        assertThat(request(s, new Op.SetData("/a", Payload.ofUtf8("x3"), 0)).code()).isEqualTo(Code.BAD_VERSION);
        Answer.NodeData d = (Answer.NodeData) query(new Query.Get("/a"));
        assertThat(d.data().toStringUtf8()).isEqualTo("x2");
        assertThat(d.stat().version()).isEqualTo(1);
        assertThat(request(s, persistent("/a/child", "")).ok()).isTrue();
        assertThat(request(s, new Op.Delete("/a", Op.ANY_VERSION, false)).code()).isEqualTo(Code.NOT_EMPTY);
        assertThat(request(s, new Op.Delete("/a/child", 5, false)).code()).isEqualTo(Code.BAD_VERSION);
        assertThat(request(s, new Op.Delete("/a/child", 0, false)).ok()).isTrue();
        assertThat(request(s, new Op.Delete("/a", 1, false)).ok()).isTrue();
        assertThat(((Answer.NodeData) query(new Query.Get("/a"))).exists()).isFalse();
        assertThat(request(s, persistent("bad", "")).code()).isEqualTo(Code.BAD_ARGUMENT);
        assertThat(request(s, new Op.Delete("/", Op.ANY_VERSION, false)).code()).isEqualTo(Code.BAD_ARGUMENT);
    }

    @Test
    void aTransactionAppliesAllOrNothing() {
        long s = openSession(1000);
        request(s, persistent("/q", ""));
        Response failed = request(s, persistent("/q/a", "1"), new Op.Create("/q/s-", Payload.EMPTY, false, true),
                new Op.SetData("/q", Payload.ofUtf8("v"), 0), new Op.Check("/missing", Op.ANY_VERSION, false));
        assertThat(failed.code()).isEqualTo(Code.NO_NODE);
        assertThat(failed.failedOp()).isEqualTo(3);
        Answer.NodeData q = (Answer.NodeData) query(new Query.Get("/q"));
        assertThat(q.stat().version()).as("the set was undone").isZero();
        assertThat(((Answer.ChildList) query(new Query.Children("/q"))).names()).isEmpty();
        Response ok = request(s, new Op.Create("/q/s-", Payload.EMPTY, false, true),
                new Op.Create("/q/s-", Payload.EMPTY, false, true), new Op.SetData("/q", Payload.ofUtf8("v"), 0));
        assertThat(ok.ok()).isTrue();
        assertThat(ok.results()).extracting(Answer.OpResult::path)
                .as("the failed transaction's sequence number was undone too")
                .containsExactly("/q/s-0000000000", "/q/s-0000000001", "/q");
    }

    @Test
    void aRetriedRequestIsAppliedOnceAndAnsweredFromTheCache() {
        long s = openSession(1000);
        Command.Request create = new Command.Request(s, ++seq, 0, List.of(new Op.Create("/job-", Payload.EMPTY, false, true)));
        Response first = apply(create);
        Response retry = apply(create);
        assertThat(retry).isEqualTo(first);
        assertThat(((Answer.ChildList) query(new Query.Children("/"))).names()).containsExactly("job-0000000000");
        // Acknowledged responses are dropped; a retry below the acknowledgement is refused, not re-applied.
        apply(new Command.Request(s, ++seq, seq, List.of(persistent("/other", ""))));
        assertThat(apply(create).code()).isEqualTo(Code.RESPONSE_DISCARDED);
        assertThat(((Answer.ChildList) query(new Query.Children("/"))).names()).containsExactly("job-0000000000", "other");
    }

    @Test
    void sessionsExpireByLogTimeAndTakeTheirEphemeralsInOneEntry() {
        apply(new Command.Tick(1, 10_000));
        long a = openSession(1000);
        long b = openSession(3000);
        request(a, new Op.Create("/a1", Payload.EMPTY, true, false), new Op.Create("/a2", Payload.EMPTY, true, false));
        request(b, new Op.Create("/b1", Payload.EMPTY, true, false));
        assertThat(request(a, new Op.Create("/a1/x", Payload.EMPTY, false, false)).code())
                .isEqualTo(Code.NO_CHILDREN_FOR_EPHEMERALS);
        apply(new Command.Tick(1, 10_500));        // the requests renewed both: deadlines 11,500 and 13,500
        apply(new Command.Tick(1, 11_499));
        assertThat(sm.sessionIds()).containsExactly(a, b);
        apply(new Command.Tick(1, 11_500));
        long expiry = index;
        assertThat(sm.sessionIds()).containsExactly(b);
        assertThat(((Answer.ChildList) query(new Query.Children("/"))).names()).containsExactly("b1");
        Answer.EventList ev = (Answer.EventList) query(new Query.Events(expiry - 1, "/", 100));
        assertThat(ev.events()).containsExactly(new WatchEvent(expiry, WatchEvent.Type.EXPIRED, "/a1"),
                new WatchEvent(expiry, WatchEvent.Type.EXPIRED, "/a2"));
        assertThat(request(a, persistent("/late", "")).code()).isEqualTo(Code.SESSION_EXPIRED);
        assertThat(apply(new Command.KeepAlive(a)).code()).isEqualTo(Code.SESSION_EXPIRED);
    }

    @Test
    void sessionsExpiringInTheSameTickKeepAllTheirEventsInThatRevision() {
        apply(new Command.Tick(1, 0));
        long a = openSession(1000);
        long b = openSession(1000);
        request(a, new Op.Create("/a", Payload.EMPTY, true, false));
        request(b, new Op.Create("/b", Payload.EMPTY, true, false));
        apply(new Command.Tick(1, 1000));          // renewed by the requests: both deadlines 2000
        apply(new Command.Tick(1, 2000));
        long expiry = index;
        assertThat(sm.sessionIds()).isEmpty();
        Answer.EventList ev = (Answer.EventList) query(new Query.Events(expiry - 1, "/", 100));
        assertThat(ev.events()).containsExactly(new WatchEvent(expiry, WatchEvent.Type.EXPIRED, "/a"),
                new WatchEvent(expiry, WatchEvent.Type.EXPIRED, "/b"));
    }

    @Test
    void keepAlivesAndRequestsExtendTheDeadlineToTheNextTickPlusTheTtl() {
        apply(new Command.Tick(1, 0));
        long s = openSession(1000);
        apply(new Command.Tick(1, 900));
        apply(new Command.KeepAlive(s));
        apply(new Command.Tick(1, 1800));           // renewed as of this tick: deadline 2800
        request(s, persistent("/x", ""));
        apply(new Command.Tick(1, 2700));           // deadline 3700
        apply(new Command.Tick(1, 3699));
        assertThat(sm.sessionIds()).containsExactly(s);
        apply(new Command.Tick(1, 3700));
        assertThat(sm.sessionIds()).isEmpty();
    }

    @Test
    void aKeepAliveCountsAsOfTheNextTickSoALateTickDoesNotExpireALiveSession() {
        apply(new Command.Tick(1, 0));
        long s = openSession(1000);
        long idle = openSession(1000);
        apply(new Command.Tick(1, 100));
        apply(new Command.KeepAlive(s));
        // The leader's ticks stall for 1.5 s while keep-alives still commit; then its clock jumps.
        apply(new Command.KeepAlive(s));
        apply(new Command.Tick(1, 1600));
        assertThat(sm.sessionIds()).as("renewed before this tick: alive; the idle one expired").containsExactly(s);
        apply(new Command.Tick(1, 2599));
        assertThat(sm.sessionIds()).containsExactly(s);
        apply(new Command.Tick(1, 2600));
        assertThat(sm.sessionIds()).isEmpty();
        assertThat(idle).isLessThan(index);
        long late = openSession(1000);                       // opened while ticks stall: log time still 2600
        apply(new Command.Tick(1, 5000));
        assertThat(sm.sessionIds()).as("a new session counts from the next tick too").containsExactly(late);
    }

    @Test
    void aNewLeadersFirstTickGrantsAFreshTtlInsteadOfExpiring() {
        apply(new Command.Tick(1, 50_000));
        long s = openSession(1000);
        // The old leader dies; no ticks for a long time; the new leader's clock is unrelated (even smaller).
        apply(new Command.Tick(2, 7));
        assertThat(sm.sessionIds()).as("not expired by the new term's first tick").containsExactly(s);
        assertThat(sm.logTime()).isEqualTo(7);
        apply(new Command.Tick(1, 99_999));
        assertThat(sm.sessionIds()).as("a stale term's tick is ignored").containsExactly(s);
        apply(new Command.Tick(2, 1006));
        assertThat(sm.sessionIds()).containsExactly(s);
        apply(new Command.Tick(2, 1007));
        assertThat(sm.sessionIds()).isEmpty();
    }

    @Test
    void eventsCarryTheirRevisionAndCompactionIsReported() {
        long s = openSession(1000);
        List<Long> revisions = new ArrayList<>();
        request(s, persistent("/w", ""));
        revisions.add(index);
        for (int i = 0; i < 5; i++) {
            request(s, new Op.SetData("/w", Payload.ofUtf8("" + i), Op.ANY_VERSION));
            revisions.add(index);
        }
        request(s, persistent("/elsewhere", ""));
        Answer.EventList all = (Answer.EventList) query(new Query.Events(0, "/w", 100));
        assertThat(all.compacted()).isFalse();
        assertThat(all.events()).extracting(WatchEvent::revision).containsExactlyElementsOf(revisions);
        assertThat(all.revision()).isEqualTo(index);
        Answer.EventList resumed = (Answer.EventList) query(new Query.Events(revisions.get(2), "/w", 2));
        assertThat(resumed.events()).extracting(WatchEvent::revision).containsExactly(revisions.get(3), revisions.get(4));
        assertThat(resumed.revision()).isEqualTo(revisions.get(4));
        for (int i = 0; i < 10; i++) {
            request(s, new Op.SetData("/w", Payload.EMPTY, Op.ANY_VERSION));
        }
        Answer.EventList gone = (Answer.EventList) query(new Query.Events(revisions.get(0), "/w", 100));
        assertThat(gone.compacted()).isTrue();
        assertThat(gone.revision()).isEqualTo(index);
        Answer.EventList recent = (Answer.EventList) query(new Query.Events(index - 3, "/w", 100));
        assertThat(recent.compacted()).isFalse();
        assertThat(recent.events()).hasSize(3);
    }

    @Test
    void aSnapshotCarriesTheTreeSessionsResponseCacheAndEvents() throws IOException {
        apply(new Command.Tick(3, 100));
        long s = openSession(1000);
        Command.Request create = new Command.Request(s, ++seq, 0, List.of(new Op.Create("/e", Payload.ofUtf8("d"), true, false)));
        Response first = apply(create);
        request(s, persistent("/p", "q"), new Op.Create("/p/n-", Payload.EMPTY, false, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.snapshot().writeTo(out);

        CoordinationStateMachine restored = new CoordinationStateMachine(8);
        restored.restore(new ByteArrayInputStream(out.toByteArray()));
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        restored.snapshot().writeTo(again);
        assertThat(again.toByteArray()).as("restore then snapshot is the identity").isEqualTo(out.toByteArray());
        assertThat(restored.sessionIds()).containsExactly(s);
        assertThat(Wire.decodeAnswer(restored.apply(++index, Wire.encode(create))))
                .as("the retry after a restart is answered from the restored cache").isEqualTo(first);
        Response next = (Response) Wire.decodeAnswer(restored.apply(++index,
                Wire.encode(new Command.Request(s, ++seq, 0, List.of(new Op.Create("/p/n-", Payload.EMPTY, false, true))))));
        assertThat(next.results().get(0).path()).isEqualTo("/p/n-0000000001");
        restored.apply(++index, Wire.encode(new Command.Tick(3, 1100)));   // renewed by the requests: 2100
        assertThat(restored.sessionIds()).containsExactly(s);
        restored.apply(++index, Wire.encode(new Command.Tick(3, 2100)));
        assertThat(((Answer.NodeData) Wire.decodeAnswer(restored.query(Wire.encode(new Query.Get("/e"))))).exists())
                .as("the restored session expires and takes its ephemeral").isFalse();
    }

    private static Op.Create contender(long lockDelayMillis) {
        return new Op.Create("/lock/lock-", Payload.EMPTY, true, true, lockDelayMillis);
    }

    private static boolean lockDelayed(CoordinationStateMachine m) {
        return ((Answer.NodeData) Wire.decodeAnswer(m.query(Wire.encode(new Query.Get("/lock"))))).stat().lockDelayed();
    }

    /** Sets up /lock held by a session with TTL 1000 and a 500 ms lock delay, a second contender waiting. */
    private long[] lockHeldWithDelay(long lockDelayMillis) {
        apply(new Command.Tick(1, 0));
        long holder = openSession(1000);
        long waiter = openSession(60_000);
        request(waiter, persistent("/lock", ""));
        request(holder, contender(lockDelayMillis));
        request(waiter, contender(lockDelayMillis));
        apply(new Command.Tick(1, 100));           // the holder's last renewal counts as of now: deadline 1100
        return new long[] {holder, waiter};
    }

    @Test
    void anExpiredHoldersLockDelayHoldsTheLockUntilItPassesInLogTime() throws IOException {
        long[] s = lockHeldWithDelay(500);
        apply(new Command.Tick(1, 1099));
        assertThat(lockDelayed(sm)).isFalse();
        apply(new Command.Tick(1, 1100));          // the holder expires at 1100: delayed until 1600
        assertThat(sm.sessionIds()).containsExactly(s[1]);
        assertThat(((Answer.ChildList) query(new Query.Children("/lock"))).names()).containsExactly("lock-0000000001");
        assertThat(lockDelayed(sm)).as("the waiter is first but the lock is delayed").isTrue();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.snapshot().writeTo(out);
        CoordinationStateMachine restored = new CoordinationStateMachine(8);
        restored.restore(new ByteArrayInputStream(out.toByteArray()));
        for (CoordinationStateMachine m : List.of(sm, restored)) {
            m.apply(index + 1, Wire.encode(new Command.Tick(1, 1599)));
            assertThat(lockDelayed(m)).as("one ms before the delay passes").isTrue();
            m.apply(index + 2, Wire.encode(new Command.Tick(1, 1600)));
            assertThat(lockDelayed(m)).as("at TTL + delay after the last renewal, in log time").isFalse();
        }
        index += 2;
        Answer.EventList ev = (Answer.EventList) query(new Query.Events(index - 1, "/lock", 10));
        assertThat(ev.events()).containsExactly(new WatchEvent(index, WatchEvent.Type.LOCK_DELAY_ENDED, "/lock"));
    }

    @Test
    void aNewTermKeepsWhatIsLeftOfALockDelayOnTheNewLeadersClock() {
        lockHeldWithDelay(500);
        apply(new Command.Tick(1, 1100));          // delayed until 1600
        apply(new Command.Tick(1, 1300));          // 300 left
        apply(new Command.Tick(2, 50_000));        // rebased: until 50,300
        apply(new Command.Tick(2, 50_299));
        assertThat(lockDelayed(sm)).isTrue();
        apply(new Command.Tick(2, 50_300));
        assertThat(lockDelayed(sm)).isFalse();
    }

    @Test
    void aReleaseACloseAWaitersExpiryOrNoDelaySetNoLockDelay() {
        long[] s = lockHeldWithDelay(500);
        request(s[0], new Op.Delete("/lock/lock-0000000000", Op.ANY_VERSION, true));
        request(s[0], contender(500));             // queues behind the waiter: lock-0000000002
        apply(new Command.Tick(1, 1100));          // renewed by the requests: deadline 2100
        apply(new Command.Tick(1, 2100));          // a waiter's expiry
        assertThat(sm.sessionIds()).containsExactly(s[1]);
        assertThat(lockDelayed(sm)).as("released, then expired while waiting").isFalse();

        long closing = openSession(1000);
        request(s[1], new Op.Delete("/lock/lock-0000000001", Op.ANY_VERSION, true));
        request(closing, contender(500));
        apply(new Command.CloseSession(closing));
        assertThat(lockDelayed(sm)).as("a closed session said it was done").isFalse();

        long noDelay = openSession(1000);
        request(noDelay, contender(0));
        request(s[1], contender(0));
        apply(new Command.Tick(1, 5000));          // renewed: deadline 6000
        apply(new Command.Tick(1, 6000));
        assertThat(sm.sessionIds()).containsExactly(s[1]);
        assertThat(lockDelayed(sm)).as("lock delay 0: behaviour unchanged").isFalse();
    }

    @Test
    void aLockDelayNeedsAnEphemeralNode() {
        assertThat(Wire.decodeCommand(Wire.encode(new Command.Request(1, 1, 0, List.of(contender(500))))))
                .isEqualTo(new Command.Request(1, 1, 0, List.of(contender(500))));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Op.Create("/p", Payload.EMPTY, false, false, 1));
    }

    @Test
    void garbageIsRefusedNotThrown() {
        Response r = (Response) Wire.decodeAnswer(sm.apply(1, Payload.ofUtf8("\u0005garbage")));
        assertThat(r.code()).isEqualTo(Code.BAD_ARGUMENT);
        Response q = (Response) Wire.decodeAnswer(sm.query(Payload.ofUtf8("?")));
        assertThat(q.code()).isEqualTo(Code.BAD_ARGUMENT);
    }
}
