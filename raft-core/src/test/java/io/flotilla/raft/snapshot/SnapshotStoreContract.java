package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link SnapshotStore} must meet, as a JUnit 5 interface: a store's test class implements
 * it, supplies {@link #newStore(int)} and, if the store survives a restart, {@link #reopen(SnapshotStore)}, and
 * inherits one test per rule of the {@link SnapshotStore} and {@link IncomingSnapshot} Javadoc. Shipped in
 * raft-core's test-jar.
 *
 * <p>Every test closes the stores it opens. Tests that wait on another thread do so with deadlines, never by
 * sleeping.
 */
public interface SnapshotStoreContract {
    /** The membership of most test snapshots: three voters. */
    Membership MEMBERSHIP = Membership.ofVoters(List.of(1L, 2L, 3L));

    /** A membership using every part of {@link Membership}: voters, learners and addresses. */
    Membership WITH_LEARNERS = new Membership(List.of(1L, 4L), List.of(5L, 6L),
            Map.of(1L, "10.0.0.1:7000", 5L, "[::1]:7005"));

    /**
     * A fresh, empty, open store keeping the {@code retain} newest snapshots.
     *
     * @throws IllegalArgumentException if {@code retain < 1}
     */
    SnapshotStore newStore(int retain) throws IOException;

    /** A fresh store with the default retention of 2. */
    default SnapshotStore newStore() throws IOException {
        return newStore(2);
    }

    /**
     * The same snapshots opened again after {@code closed} was closed (a process restart), or {@code null} if
     * this kind of store does not survive {@code close()}; then the restart tests are skipped.
     */
    default SnapshotStore reopen(SnapshotStore closed) throws IOException {
        return null;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The CRC32C of {@code data}, computed here rather than by the store. */
    static long crc32c(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return crc.getValue();
    }

    /** The complete metadata of a snapshot of {@code data} at ({@code index}, {@code term}). */
    static SnapshotMeta metaOf(long index, long term, byte[] data) {
        return new SnapshotMeta(index, term, MEMBERSHIP, data.length, crc32c(data));
    }

    /** A writer that writes {@code data} in one call. */
    static SnapshotWriter writing(byte[] data) {
        return out -> out.write(data);
    }

    /** Everything {@code store} reads for {@code meta} from {@code offset} to the end. */
    static byte[] read(SnapshotStore store, SnapshotMeta meta, long offset) throws IOException {
        try (InputStream in = store.open(meta, offset)) {
            return in.readAllBytes();
        }
    }

    /** Receives {@code data} as snapshot {@code meta} in chunks of {@code chunk} bytes, completes it. */
    static void receiveCompleted(SnapshotStore store, SnapshotMeta meta, byte[] data, int chunk) throws IOException {
        try (IncomingSnapshot in = store.receive(meta)) {
            for (int at = 0; at < data.length; at += chunk) {
                in.write(Arrays.copyOfRange(data, at, Math.min(data.length, at + chunk)));
            }
            in.complete();
        }
    }

    /** Waits for {@code latch} with a deadline, so that a broken store fails the test instead of hanging it. */
    static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch released within 30 s").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ---- save, latest, open ------------------------------------------------------------------------------------

    @Test
    default void emptyStoreHasNoLatestSnapshot() throws IOException {
        try (SnapshotStore store = newStore()) {
            assertThat(store.latest()).isEmpty();
        }
    }

    @Test
    default void retainBelowOneIsRejected() {
        assertThatThrownBy(() -> newStore(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retain");
    }

    @Test
    default void savedSnapshotIsLatestWithItsSizeAndChecksumAndReadsBack() throws IOException {
        byte[] data = utf8("the state machine at index 7");
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(7, 2, MEMBERSHIP, writing(data));

            assertThat(meta).isEqualTo(metaOf(7, 2, data));
            assertThat(store.latest()).contains(meta);
            assertThat(read(store, meta, 0)).isEqualTo(data);
        }
    }

    @Test
    default void savedSnapshotKeepsItsWholeMembershipAndIsFoundOnlyWithIt() throws IOException {
        byte[] data = utf8("state with learners");
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(9, 3, WITH_LEARNERS, writing(data));

            assertThat(meta).isEqualTo(new SnapshotMeta(9, 3, WITH_LEARNERS, data.length, crc32c(data)));
            assertThat(store.latest()).contains(meta);
            assertThat(read(store, meta, 0)).isEqualTo(data);
            assertThatThrownBy(() -> store.open(metaOf(9, 3, data), 0))
                    .as("same data, other membership").isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    default void writerMayWriteInPiecesAndByteByByte() throws IOException {
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(3, 1, MEMBERSHIP, out -> {
                out.write('a');
                out.write(utf8("xbcx"), 1, 2);
                out.write(new byte[0]);
                out.write('d');
            });
            assertThat(read(store, meta, 0)).isEqualTo(utf8("abcd"));
            assertThat(meta).isEqualTo(metaOf(3, 1, utf8("abcd")));
        }
    }

    @Test
    default void openFromAnOffsetReturnsTheRestOfTheData() throws IOException {
        byte[] data = utf8("0123456789");
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(5, 1, MEMBERSHIP, writing(data));

            for (int offset = 0; offset <= data.length; offset++) {
                assertThat(read(store, meta, offset)).as("from offset %d", offset)
                        .isEqualTo(Arrays.copyOfRange(data, offset, data.length));
            }
        }
    }

    @Test
    default void openOutsideTheDataIsRejected() throws IOException {
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(5, 1, MEMBERSHIP, writing(utf8("abc")));

            assertThatThrownBy(() -> store.open(meta, -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(meta, 4)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    default void openOfASnapshotNotHeldThrowsNoSuchElement() throws IOException {
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(5, 1, MEMBERSHIP, writing(utf8("abc")));

            assertThatThrownBy(() -> store.open(metaOf(6, 1, utf8("abc")), 0))
                    .isInstanceOf(NoSuchElementException.class);
            assertThatThrownBy(() -> store.open(new SnapshotMeta(5, 1, MEMBERSHIP, 3, meta.checksum() ^ 1), 0))
                    .as("same index and term, other data").isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    default void streamsReadByteByByteAndSkipAndStillCheckTheData() throws IOException {
        byte[] data = utf8("abcdefghij");
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(5, 1, MEMBERSHIP, writing(data));
            try (InputStream in = store.open(meta, 0)) {
                assertThat(in.read()).isEqualTo('a');
                assertThat(in.skip(3)).isEqualTo(3);
                assertThat(in.read()).isEqualTo('e');
                assertThat(in.readAllBytes()).isEqualTo(utf8("fghij"));
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    default void emptySnapshotIsSavedAndReadBack() throws IOException {
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(4, 1, MEMBERSHIP, out -> { });

            assertThat(meta).isEqualTo(new SnapshotMeta(4, 1, MEMBERSHIP, 0, 0));
            assertThat(store.latest()).contains(meta);
            assertThat(read(store, meta, 0)).isEmpty();
        }
    }

    @Test
    default void saveReleasesTheWriterOnce() throws IOException {
        AtomicInteger released = new AtomicInteger();
        try (SnapshotStore store = newStore()) {
            store.save(4, 1, MEMBERSHIP, new SnapshotWriter() {
                @Override
                public void writeTo(OutputStream out) throws IOException {
                    out.write(1);
                    assertThat(released).hasValue(0);
                }

                @Override
                public void release() {
                    released.incrementAndGet();
                }
            });
            assertThat(released).hasValue(1);
        }
    }

    @Test
    default void failedWriterSavesNothingAndIsReleased() throws IOException {
        AtomicInteger released = new AtomicInteger();
        try (SnapshotStore store = newStore()) {
            SnapshotMeta before = store.save(4, 1, MEMBERSHIP, writing(utf8("before")));

            assertThatThrownBy(() -> store.save(9, 2, MEMBERSHIP, new SnapshotWriter() {
                @Override
                public void writeTo(OutputStream out) throws IOException {
                    out.write(utf8("half a snapshot"));
                    throw new IOException("state machine failed");
                }

                @Override
                public void release() {
                    released.incrementAndGet();
                }
            })).isInstanceOf(IOException.class).hasMessage("state machine failed");

            assertThat(released).hasValue(1);
            assertThat(store.latest()).contains(before);
            assertThat(read(store, before, 0)).isEqualTo(utf8("before"));
        }
    }

    @Test
    default void invalidSaveArgumentsAreRejectedBeforeTheWriterRunsAndTheWriterIsReleased() throws IOException {
        AtomicInteger released = new AtomicInteger();
        SnapshotWriter writer = new SnapshotWriter() {
            @Override
            public void writeTo(OutputStream out) {
                throw new AssertionError("writer must not run");
            }

            @Override
            public void release() {
                released.incrementAndGet();
            }
        };
        try (SnapshotStore store = newStore()) {
            assertThatThrownBy(() -> store.save(0, 1, MEMBERSHIP, writer)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.save(1, 0, MEMBERSHIP, writer)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.save(1, 1, null, writer)).isInstanceOf(NullPointerException.class);

            assertThat(released).hasValue(3);
            assertThat(store.latest()).isEmpty();
        }
    }

    // ---- order and retention -----------------------------------------------------------------------------------

    @Test
    default void newestIsTheHighestIndexNotTheLastSaved() throws IOException {
        try (SnapshotStore store = newStore(2)) {
            SnapshotMeta newer = store.save(20, 2, MEMBERSHIP, writing(utf8("twenty")));
            SnapshotMeta older = store.save(10, 1, MEMBERSHIP, writing(utf8("ten")));

            assertThat(store.latest()).contains(newer);
            assertThat(read(store, older, 0)).isEqualTo(utf8("ten"));
        }
    }

    @Test
    default void savingTheSameIndexAndTermAgainMakesTheLaterOneNewest() throws IOException {
        try (SnapshotStore store = newStore(2)) {
            SnapshotMeta first = store.save(10, 1, MEMBERSHIP, writing(utf8("one encoding")));
            SnapshotMeta second = store.save(10, 1, MEMBERSHIP, writing(utf8("another encoding")));

            assertThat(store.latest()).contains(second);
            assertThat(read(store, first, 0)).isEqualTo(utf8("one encoding"));
            assertThat(read(store, second, 0)).isEqualTo(utf8("another encoding"));
        }
    }

    @Test
    default void retentionKeepsOnlyTheRetainNewestSnapshots() throws IOException {
        try (SnapshotStore store = newStore(2)) {
            List<SnapshotMeta> saved = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                saved.add(store.save(i * 10L, i, MEMBERSHIP, writing(utf8("snapshot " + i))));
            }

            assertThat(store.latest()).contains(saved.get(3));
            assertThat(read(store, saved.get(2), 0)).isEqualTo(utf8("snapshot 3"));
            assertThat(read(store, saved.get(3), 0)).isEqualTo(utf8("snapshot 4"));
            for (SnapshotMeta dropped : saved.subList(0, 2)) {
                assertThatThrownBy(() -> store.open(dropped, 0)).isInstanceOf(NoSuchElementException.class);
            }
        }
    }

    @Test
    default void retainOneKeepsOnlyTheNewestAndDropsAnOlderSaveAtOnce() throws IOException {
        try (SnapshotStore store = newStore(1)) {
            SnapshotMeta first = store.save(10, 1, MEMBERSHIP, writing(utf8("a")));
            SnapshotMeta second = store.save(20, 1, MEMBERSHIP, writing(utf8("b")));
            SnapshotMeta stale = store.save(15, 1, MEMBERSHIP, writing(utf8("c")));

            assertThat(store.latest()).contains(second);
            assertThatThrownBy(() -> store.open(first, 0)).isInstanceOf(NoSuchElementException.class);
            assertThatThrownBy(() -> store.open(stale, 0)).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    default void retentionCountsInstalledSnapshots() throws IOException {
        try (SnapshotStore store = newStore(2)) {
            SnapshotMeta first = store.save(10, 1, MEMBERSHIP, writing(utf8("a")));
            SnapshotMeta second = store.save(20, 1, MEMBERSHIP, writing(utf8("b")));
            SnapshotMeta received = metaOf(30, 2, utf8("c"));
            receiveCompleted(store, received, utf8("c"), 1);
            store.install(received);

            assertThat(store.latest()).contains(received);
            assertThat(read(store, second, 0)).isEqualTo(utf8("b"));
            assertThatThrownBy(() -> store.open(first, 0)).isInstanceOf(NoSuchElementException.class);
        }
    }

    // ---- receive and install -----------------------------------------------------------------------------------

    @Test
    default void receivedInChunksCompletedAndInstalledBecomesLatest() throws IOException {
        byte[] data = utf8("a snapshot sent by the leader in chunks");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore()) {
            SnapshotMeta own = store.save(10, 1, MEMBERSHIP, writing(utf8("own")));
            try (IncomingSnapshot in = store.receive(meta)) {
                assertThat(in.meta()).isEqualTo(meta);
                assertThat(in.received()).isZero();
                in.write(Arrays.copyOfRange(data, 0, 5));
                assertThat(in.received()).isEqualTo(5);
                in.write(new byte[0]);
                in.write(Arrays.copyOfRange(data, 5, 17));
                in.write(Arrays.copyOfRange(data, 17, data.length));
                assertThat(in.received()).isEqualTo(data.length);
                in.complete();
            }
            assertThat(store.latest()).as("not the node's snapshot before install").contains(own);

            store.install(meta);

            assertThat(store.latest()).contains(meta);
            assertThat(read(store, meta, 0)).isEqualTo(data);
            assertThat(read(store, meta, 9)).isEqualTo(Arrays.copyOfRange(data, 9, data.length));
        }
    }

    @Test
    default void completeIsIdempotentAndWritesAfterItAreRejected() throws IOException {
        byte[] data = utf8("abc");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore(); IncomingSnapshot in = store.receive(meta)) {
            in.write(data);
            in.complete();
            in.complete();
            assertThatThrownBy(() -> in.write(new byte[0])).isInstanceOf(IllegalStateException.class);

            store.install(meta);
            assertThat(read(store, meta, 0)).isEqualTo(data);
        }
    }

    @Test
    default void emptySnapshotIsReceivedAndInstalled() throws IOException {
        SnapshotMeta meta = new SnapshotMeta(8, 2, MEMBERSHIP, 0, 0);
        try (SnapshotStore store = newStore()) {
            try (IncomingSnapshot in = store.receive(meta)) {
                in.complete();
            }
            store.install(meta);

            assertThat(store.latest()).contains(meta);
            assertThat(read(store, meta, 0)).isEmpty();
        }
    }

    @Test
    default void writePastTheSizeIsRejectedAndTheReceiveGoesOn() throws IOException {
        byte[] data = utf8("abcdef");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore()) {
            try (IncomingSnapshot in = store.receive(meta)) {
                in.write(utf8("abcd"));
                assertThatThrownBy(() -> in.write(utf8("efg"))).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("runs past the end");
                assertThat(in.received()).isEqualTo(4);
                in.write(utf8("ef"));
                in.complete();
            }
            store.install(meta);
            assertThat(read(store, meta, 0)).isEqualTo(data);
        }
    }

    @Test
    default void completeWithTheWrongChecksumThrowsCorruptAndInstallsNothing() throws IOException {
        byte[] data = utf8("abcdef");
        SnapshotMeta meta = new SnapshotMeta(40, 3, MEMBERSHIP, data.length, crc32c(data) ^ 0x10);
        try (SnapshotStore store = newStore()) {
            SnapshotMeta own = store.save(10, 1, MEMBERSHIP, writing(utf8("own")));
            IncomingSnapshot in = store.receive(meta);
            in.write(data);

            assertThatThrownBy(in::complete).isInstanceOf(SnapshotCorruptException.class)
                    .hasMessageContaining("CRC32C");
            assertThatThrownBy(() -> in.write(new byte[0])).as("discarded").isInstanceOf(IllegalStateException.class);
            in.close();
            assertThatThrownBy(() -> store.install(meta)).isInstanceOf(NoSuchElementException.class);
            assertThat(store.latest()).contains(own);
        }
    }

    @Test
    default void completeWithMissingBytesThrowsCorruptAndInstallsNothing() throws IOException {
        byte[] data = utf8("abcdef");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore()) {
            try (IncomingSnapshot in = store.receive(meta)) {
                in.write(Arrays.copyOf(data, 5));
                assertThatThrownBy(in::complete).isInstanceOf(SnapshotCorruptException.class)
                        .hasMessageContaining("5 bytes");
            }
            assertThatThrownBy(() -> store.install(meta)).isInstanceOf(NoSuchElementException.class);
            assertThat(store.latest()).isEmpty();
        }
    }

    @Test
    default void closeWithoutCompleteDiscardsTheData() throws IOException {
        byte[] data = utf8("abcdef");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore()) {
            IncomingSnapshot in = store.receive(meta);
            in.write(data);
            in.close();
            in.close();

            assertThatThrownBy(() -> in.write(new byte[0])).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(in::complete).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.install(meta)).isInstanceOf(NoSuchElementException.class);
            assertThat(store.latest()).isEmpty();
        }
    }

    @Test
    default void discardReceivedDropsACompletedSnapshot() throws IOException {
        byte[] data = utf8("abcdef");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore()) {
            receiveCompleted(store, meta, data, 4);
            store.discardReceived();
            store.discardReceived();

            assertThatThrownBy(() -> store.install(meta)).isInstanceOf(NoSuchElementException.class);
            assertThat(store.latest()).isEmpty();
        }
    }

    @Test
    default void discardReceivedStopsASnapshotBeingReceived() throws IOException {
        SnapshotMeta meta = metaOf(40, 3, utf8("abcdef"));
        try (SnapshotStore store = newStore(); IncomingSnapshot in = store.receive(meta)) {
            in.write(utf8("abc"));
            store.discardReceived();

            assertThatThrownBy(() -> in.write(utf8("def"))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.install(meta)).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    default void receivingAnotherSnapshotDiscardsTheFirst() throws IOException {
        SnapshotMeta first = metaOf(40, 3, utf8("first"));
        SnapshotMeta completedFirst = metaOf(45, 3, utf8("done"));
        SnapshotMeta second = metaOf(50, 4, utf8("second"));
        try (SnapshotStore store = newStore()) {
            receiveCompleted(store, completedFirst, utf8("done"), 2);
            IncomingSnapshot in1 = store.receive(first);
            in1.write(utf8("fir"));
            IncomingSnapshot in2 = store.receive(second);

            assertThatThrownBy(() -> in1.write(utf8("st"))).isInstanceOf(IllegalStateException.class);
            in1.close();
            in2.write(utf8("second"));
            in2.complete();
            in2.close();

            assertThatThrownBy(() -> store.install(first)).isInstanceOf(NoSuchElementException.class);
            assertThatThrownBy(() -> store.install(completedFirst)).isInstanceOf(NoSuchElementException.class);
            store.install(second);
            assertThat(store.latest()).contains(second);
        }
    }

    @Test
    default void installOfAnUnknownSnapshotThrowsNoSuchElement() throws IOException {
        byte[] data = utf8("abcdef");
        SnapshotMeta meta = metaOf(40, 3, data);
        try (SnapshotStore store = newStore()) {
            assertThatThrownBy(() -> store.install(meta)).as("nothing received")
                    .isInstanceOf(NoSuchElementException.class);

            IncomingSnapshot in = store.receive(meta);
            in.write(data);
            assertThatThrownBy(() -> store.install(meta)).as("not complete")
                    .isInstanceOf(NoSuchElementException.class);
            in.complete();
            assertThatThrownBy(() -> store.install(metaOf(40, 3, utf8("other"))))
                    .as("another snapshot than the one received").isInstanceOf(NoSuchElementException.class);

            store.install(meta);
            assertThatThrownBy(() -> store.install(meta)).as("installed already")
                    .isInstanceOf(NoSuchElementException.class);
            assertThat(store.latest()).contains(meta);
        }
    }

    @Test
    default void installOfTheSameIndexAndTermAsASavedSnapshotMakesItNewest() throws IOException {
        try (SnapshotStore store = newStore()) {
            SnapshotMeta own = store.save(40, 3, MEMBERSHIP, writing(utf8("own bytes")));
            SnapshotMeta leaders = metaOf(40, 3, utf8("leader's bytes"));
            receiveCompleted(store, leaders, utf8("leader's bytes"), 3);
            store.install(leaders);

            assertThat(store.latest()).contains(leaders);
            assertThat(read(store, leaders, 0)).isEqualTo(utf8("leader's bytes"));
            assertThat(read(store, own, 0)).isEqualTo(utf8("own bytes"));
        }
    }

    // ---- size and threads --------------------------------------------------------------------------------------

    /** 64 MiB, written, read, received and read again in chunks; the test itself never holds it whole. */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    default void largeSnapshotIsStreamedThroughSaveOpenReceiveAndInstall() throws IOException {
        GeneratedData data = new GeneratedData(64L << 20, 42);
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(1000, 7, MEMBERSHIP, data::writeTo);
            assertThat(meta).isEqualTo(new SnapshotMeta(1000, 7, MEMBERSHIP, data.size(), data.crc32c()));
            try (InputStream in = store.open(meta, 0)) {
                data.assertSameAs(in, 0, 256 << 10);
            }
            long offset = data.size() - (5L << 20) - 3;
            try (InputStream in = store.open(meta, offset)) {
                data.assertSameAs(in, offset, 64 << 10);
            }

            // Send it to ourselves, as a leader would to a follower: chunk by chunk.
            try (InputStream from = store.open(meta, 0); IncomingSnapshot to = store.receive(meta)) {
                byte[] chunk;
                while ((chunk = from.readNBytes(1 << 20)).length > 0) {
                    to.write(chunk);
                }
                to.complete();
            }
            store.install(meta);
            assertThat(store.latest()).contains(meta);
            try (InputStream in = store.open(meta, 0)) {
                data.assertSameAs(in, 0, 1 << 20);
            }
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    default void saveRunsWhileThePreviousSnapshotIsReadAndAnotherReceived() throws Exception {
        GeneratedData previousData = new GeneratedData(3 << 20, 1);
        byte[] received = utf8("received meanwhile");
        SnapshotMeta receivedMeta = metaOf(15, 1, received);
        CountDownLatch halfWritten = new CountDownLatch(1);
        CountDownLatch readerDone = new CountDownLatch(1);
        ExecutorService snapshotThread = Executors.newSingleThreadExecutor();
        try (SnapshotStore store = newStore(3)) {
            SnapshotMeta previous = store.save(10, 1, MEMBERSHIP, previousData::writeTo);
            Future<SnapshotMeta> next = snapshotThread.submit(() -> store.save(20, 2, MEMBERSHIP, out -> {
                out.write(utf8("first half, "));
                halfWritten.countDown();
                await(readerDone);
                out.write(utf8("second half"));
            }));
            await(halfWritten);

            // The save is in the middle of writing: everything else goes on.
            assertThat(store.latest()).contains(previous);
            try (InputStream in = store.open(previous, 0)) {
                previousData.assertSameAs(in, 0, 100_000);
            }
            receiveCompleted(store, receivedMeta, received, 5);
            store.install(receivedMeta);
            assertThat(store.latest()).contains(receivedMeta);
            readerDone.countDown();

            SnapshotMeta saved = next.get(30, TimeUnit.SECONDS);
            assertThat(store.latest()).contains(saved);
            assertThat(read(store, saved, 0)).isEqualTo(utf8("first half, second half"));
            assertThat(read(store, receivedMeta, 0)).isEqualTo(received);
            assertThat(read(store, previous, 0)).hasSize(3 << 20);
        } finally {
            readerDone.countDown();
            snapshotThread.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    default void concurrentSavesKeepTheNewest() throws Exception {
        int threads = 4;
        int perThread = 5;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SnapshotStore store = newStore(2)) {
            List<Future<?>> done = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    await(start);
                    for (int i = 0; i < perThread; i++) {
                        long index = 1 + thread + (long) threads * i;
                        try {
                            SnapshotMeta meta = store.save(index, 1, MEMBERSHIP, writing(utf8("snapshot " + index)));
                            try (InputStream in = store.open(meta, 0)) {
                                assertThat(in.readAllBytes()).isEqualTo(utf8("snapshot " + index));
                            } catch (NoSuchElementException e) {
                                // dropped by retention already: a newer save finished first
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }

            long last = (long) threads * perThread;
            SnapshotMeta latest = store.latest().orElseThrow();
            assertThat(latest.index()).isEqualTo(last);
            assertThat(read(store, latest, 0)).isEqualTo(utf8("snapshot " + last));
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- close and restart -------------------------------------------------------------------------------------

    @Test
    default void everyCallAfterCloseThrowsIllegalStateAndCloseIsIdempotent() throws IOException {
        SnapshotStore store = newStore();
        SnapshotMeta meta = store.save(5, 1, MEMBERSHIP, writing(utf8("abc")));
        store.close();
        store.close();

        assertThatThrownBy(store::latest).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.save(6, 1, MEMBERSHIP, writing(utf8("x"))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.open(meta, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.receive(meta)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.install(meta)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::discardReceived).isInstanceOf(IllegalStateException.class);
    }

    @Test
    default void closeDiscardsASnapshotBeingReceived() throws IOException {
        SnapshotMeta meta = metaOf(40, 3, utf8("abcdef"));
        SnapshotStore store = newStore();
        IncomingSnapshot in = store.receive(meta);
        in.write(utf8("abc"));
        store.close();

        assertThatThrownBy(() -> in.write(utf8("def"))).isInstanceOf(IllegalStateException.class);
        in.close();
    }

    @Test
    default void reopenedStoreReturnsTheLatestSnapshotAndItsData() throws IOException {
        SnapshotStore store = newStore();
        SnapshotMeta older = store.save(10, 1, MEMBERSHIP, writing(utf8("older")));
        SnapshotMeta newer = store.save(20, 2, WITH_LEARNERS, writing(utf8("newer")));
        store.close();
        try (SnapshotStore reopened = reopen(store)) {
            assumeTrue(reopened != null, "the store does not survive a restart");

            assertThat(reopened.latest()).contains(newer);
            assertThat(read(reopened, newer, 0)).isEqualTo(utf8("newer"));
            assertThat(read(reopened, older, 0)).isEqualTo(utf8("older"));
        }
    }

    @Test
    default void reopenedStoreKeepsInstalledSnapshotsAndForgetsReceivedOnes() throws IOException {
        SnapshotMeta installed = metaOf(30, 2, utf8("installed"));
        SnapshotMeta completedOnly = metaOf(40, 3, utf8("complete, not installed"));
        SnapshotStore store = newStore();
        receiveCompleted(store, installed, utf8("installed"), 4);
        store.install(installed);
        receiveCompleted(store, completedOnly, utf8("complete, not installed"), 4);
        store.close();
        try (SnapshotStore reopened = reopen(store)) {
            assumeTrue(reopened != null, "the store does not survive a restart");

            assertThat(reopened.latest()).contains(installed);
            assertThat(read(reopened, installed, 0)).isEqualTo(utf8("installed"));
            assertThatThrownBy(() -> reopened.install(completedOnly)).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    default void reopenedStoreKeepsTheWholeMembershipOfSavedAndInstalledSnapshots() throws IOException {
        byte[] data = utf8("received with learners");
        SnapshotMeta received = new SnapshotMeta(30, 2, WITH_LEARNERS, data.length, crc32c(data));
        SnapshotStore store = newStore();
        SnapshotMeta saved = store.save(20, 2, WITH_LEARNERS, writing(utf8("saved with learners")));
        receiveCompleted(store, received, data, 5);
        store.install(received);
        store.close();
        try (SnapshotStore reopened = reopen(store)) {
            assumeTrue(reopened != null, "the store does not survive a restart");

            assertThat(reopened.latest()).contains(received);
            assertThat(reopened.latest().orElseThrow().membership()).isEqualTo(WITH_LEARNERS);
            assertThat(read(reopened, received, 0)).isEqualTo(data);
            assertThat(read(reopened, saved, 0)).isEqualTo(utf8("saved with learners"));
        }
    }

    @Test
    default void reopenedStoreOrdersLaterSavesOfTheSameIndexAsNewer() throws IOException {
        SnapshotStore store = newStore();
        store.save(10, 1, MEMBERSHIP, writing(utf8("first")));
        store.close();
        SnapshotStore reopened = reopen(store);
        assumeTrue(reopened != null, "the store does not survive a restart");
        try (reopened) {
            SnapshotMeta again = reopened.save(10, 1, MEMBERSHIP, writing(utf8("second")));
            assertThat(reopened.latest()).contains(again);
        }
    }
}
