package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.SnapshotMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.flotilla.raft.snapshot.SnapshotStoreContract.MEMBERSHIP;
import static io.flotilla.raft.snapshot.SnapshotStoreContract.read;
import static io.flotilla.raft.snapshot.SnapshotStoreContract.utf8;
import static io.flotilla.raft.snapshot.SnapshotStoreContract.writing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSnapshotStoreTest implements SnapshotStoreContract {
    @TempDir
    Path root;
    private int stores;
    private final Map<SnapshotStore, Path> dirs = new IdentityHashMap<>();

    @Override
    public SnapshotStore newStore(int retain) throws IOException {
        Path dir = root.resolve("store-" + stores++);
        FileSnapshotStore store = FileSnapshotStore.open(dir, retain);
        dirs.put(store, dir);
        return store;
    }

    @Override
    public SnapshotStore reopen(SnapshotStore closed) throws IOException {
        FileSnapshotStore store = FileSnapshotStore.open(dirs.get(closed));
        dirs.put(store, dirs.get(closed));
        return store;
    }

    /** The names in {@code dir}, sorted. */
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The directory of the only snapshot at {@code index}. */
    private static Path snapshotDir(Path dir, long index) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> SnapshotId.parse(p.getFileName().toString())
                    .filter(id -> id.index() == index).isPresent()).findFirst().orElseThrow();
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) position] ^= 0x01;
        Files.write(file, bytes);
    }

    // ---- layout --------------------------------------------------------------------------------------------

    @Test
    void savedSnapshotIsOneDirectoryWithDataAndMetaAndNoTemporaryIsLeft() throws IOException {
        Path dir = root.resolve("layout");
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            store.save(12, 3, MEMBERSHIP, writing(utf8("state")));
            store.receive(SnapshotStoreContract.metaOf(20, 3, utf8("x"))).close();

            assertThat(names(dir)).containsExactly(FileSnapshotStore.LOCK,
                    "snap-0000000000000000012-0000000000000000003-0000000000000000001");
            Path snapshot = dir.resolve(names(dir).get(1));
            assertThat(names(snapshot)).containsExactly("data", "meta");
            assertThat(Files.readAllBytes(snapshot.resolve("data"))).isEqualTo(utf8("state"));
            assertThat(MetaFile.read(snapshot.resolve("meta")))
                    .isEqualTo(SnapshotStoreContract.metaOf(12, 3, utf8("state")));
        }
    }

    @Test
    void failedSaveLeavesNoTemporaryDirectory() throws IOException {
        Path dir = root.resolve("failed");
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            assertThatThrownBy(() -> store.save(12, 3, MEMBERSHIP, out -> {
                out.write(1);
                throw new IOException("boom");
            })).hasMessage("boom");

            assertThat(names(dir)).containsExactly(FileSnapshotStore.LOCK);
        }
    }

    @Test
    void aDirectoryIsOpenInOneStoreAtATime() throws IOException {
        Path dir = root.resolve("locked");
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            store.save(1, 1, MEMBERSHIP, writing(utf8("a")));
            assertThatThrownBy(() -> FileSnapshotStore.open(dir)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open");
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            assertThat(store.latest()).isPresent();
        }
    }

    @Test
    void retainBelowOneIsRejectedBeforeTouchingTheDisk() {
        Path dir = root.resolve("never");
        assertThatThrownBy(() -> FileSnapshotStore.open(dir, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(dir).doesNotExist();
    }

    // ---- crash recovery ------------------------------------------------------------------------------------

    /**
     * What a crash can leave, plus damage: a save and a receive cut short, a deletion cut short (no meta), a
     * damaged meta, a meta under another snapshot's name, a truncated data file. Opening keeps the valid
     * snapshots only, deletes the leftovers and sets the damaged ones aside.
     */
    @Test
    void reopenClearsCrashLeftoversAndSetsDamagedSnapshotsAside() throws IOException {
        Path dir = root.resolve("crashed");
        SnapshotMeta valid;
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(10, 1, MEMBERSHIP, writing(utf8("ten")));
            valid = store.save(20, 1, MEMBERSHIP, writing(utf8("twenty")));
            store.save(30, 2, MEMBERSHIP, writing(utf8("thirty")));
            store.save(40, 2, MEMBERSHIP, writing(utf8("forty")));
            store.save(50, 2, MEMBERSHIP, writing(utf8("fifty")));
        }
        Files.createDirectories(dir.resolve("tmp-77"));
        Files.write(dir.resolve("tmp-77").resolve("data"), utf8("half a save"));
        Files.createDirectories(dir.resolve("recv-78"));
        Files.write(dir.resolve("recv-78").resolve("data"), utf8("half a receive"));
        Files.delete(snapshotDir(dir, 10).resolve("meta"));                      // deletion cut short
        flipByte(snapshotDir(dir, 30).resolve("meta"), 2);                       // damaged meta
        Path misnamed = snapshotDir(dir, 40).resolveSibling(new SnapshotId(45, 2, 99).dirName());
        Files.move(snapshotDir(dir, 40), misnamed);                              // meta says 40, name 45
        Path truncated = snapshotDir(dir, 50).resolve("data");
        Files.write(truncated, utf8("fif"));                                     // data shorter than meta

        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(store.latest()).contains(valid);
            assertThat(read(store, valid, 0)).isEqualTo(utf8("twenty"));
            assertThat(names(dir)).containsExactly(FileSnapshotStore.LOCK,
                    "broken-snap-0000000000000000030-0000000000000000002-0000000000000000003",
                    "broken-snap-0000000000000000045-0000000000000000002-0000000000000000099",
                    "broken-snap-0000000000000000050-0000000000000000002-0000000000000000005",
                    "snap-0000000000000000020-0000000000000000001-0000000000000000002");

            SnapshotMeta next = store.save(60, 3, MEMBERSHIP, writing(utf8("sixty")));
            assertThat(store.latest()).contains(next);
            assertThat(SnapshotId.parse(snapshotDir(dir, 60).getFileName().toString()).orElseThrow().generation())
                    .as("generations continue above every name seen, broken ones included").isEqualTo(100);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(names(dir)).filteredOn(n -> n.startsWith("broken-")).hasSize(3);
            assertThat(store.latest().orElseThrow().index()).isEqualTo(60);
        }
    }

    @Test
    void flippedByteInDataIsFoundByReadingFromOffsetZeroToTheEnd() throws IOException {
        Path dir = root.resolve("flipped");
        GeneratedData data = new GeneratedData(300_000, 5);
        SnapshotMeta meta;
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            meta = store.save(10, 1, MEMBERSHIP, data::writeTo);
        }
        flipByte(snapshotDir(dir, 10).resolve("data"), 123_456);

        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            assertThat(store.latest()).as("opening does not read the data").contains(meta);
            try (InputStream in = store.open(meta, 0)) {
                assertThat(in.readNBytes(100_000)).as("no error before the end").hasSize(100_000);
                assertThatThrownBy(in::readAllBytes).isInstanceOf(SnapshotCorruptException.class)
                        .hasMessageContaining("CRC32C");
            }
            try (InputStream in = store.open(meta, 200_000)) {
                assertThat(in.readAllBytes()).as("a partial read checks only the size").hasSize(100_000);
            }
        }
    }

    @Test
    void dataLongerOrShorterThanItsMetaIsFoundByAnyStream() throws IOException {
        Path dir = root.resolve("resized");
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            SnapshotMeta longer = store.save(10, 1, MEMBERSHIP, writing(utf8("abc")));
            SnapshotMeta shorter = store.save(20, 1, MEMBERSHIP, writing(utf8("abc")));
            Files.write(snapshotDir(dir, 10).resolve("data"), utf8("x"), StandardOpenOption.APPEND);
            Files.write(snapshotDir(dir, 20).resolve("data"), utf8("ab"));

            assertThatThrownBy(() -> read(store, longer, 1)).isInstanceOf(SnapshotCorruptException.class)
                    .hasMessageContaining("more than 3 bytes");
            assertThatThrownBy(() -> read(store, shorter, 1)).isInstanceOf(SnapshotCorruptException.class)
                    .hasMessageContaining("has 2 bytes of data, expected 3");
        }
    }

    @Test
    void reopenWithASmallerRetainDeletesTheOldest() throws IOException {
        Path dir = root.resolve("shrink");
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            for (int i = 1; i <= 3; i++) {
                store.save(i, 1, MEMBERSHIP, writing(utf8("s" + i)));
            }
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 1)) {
            assertThat(store.latest().orElseThrow().index()).isEqualTo(3);
            assertThat(names(dir)).hasSize(2).contains(FileSnapshotStore.LOCK);
        }
    }

    @Test
    void unknownFilesAreLeftAlone() throws IOException {
        Path dir = root.resolve("unknown");
        Files.createDirectories(dir.resolve("snap-notanumber"));
        Files.write(dir.resolve("README"), utf8("operator notes"));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            assertThat(store.latest()).isEmpty();
            assertThat(names(dir)).containsExactly(FileSnapshotStore.LOCK, "README", "snap-notanumber");
        }
    }

    /** The class comment promises it; Windows cannot delete an open file, so retention waits for a reopen. */
    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aStreamReadsOnAfterRetentionDeletesItsSnapshot() throws IOException {
        Path dir = root.resolve("deleted-while-read");
        GeneratedData data = new GeneratedData(1 << 20, 9);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 1)) {
            SnapshotMeta first = store.save(10, 1, MEMBERSHIP, data::writeTo);
            try (InputStream in = store.open(first, 0)) {
                store.save(20, 1, MEMBERSHIP, writing(utf8("newer")));
                assertThatThrownBy(() -> store.open(first, 0)).isInstanceOf(java.util.NoSuchElementException.class);

                data.assertSameAs(in, 0, 4096);
            }
            assertThat(names(dir)).hasSize(2);
        }
    }

    @Test
    void aWriterThatClosesItsStreamDoesNoHarm() throws IOException {
        try (SnapshotStore store = newStore()) {
            SnapshotMeta meta = store.save(10, 1, MEMBERSHIP, out -> {
                try (OutputStream o = out) {
                    o.write(utf8("closed by the writer"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertThat(read(store, meta, 0)).isEqualTo(utf8("closed by the writer"));
        }
    }
}
