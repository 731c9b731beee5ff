package io.flotilla.raft.snapshot;

import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import static io.flotilla.raft.snapshot.VerifyingInputStream.describe;

/**
 * A {@link SnapshotStore} in a directory of its own, one subdirectory per snapshot:
 * <pre>
 * dir/
 *   LOCK                                                      held while the store is open
 *   snap-0000000000000000120-0000000000000000003-0000000000000000007/   index 120, term 3, generation 7
 *     data                                                    the state machine's bytes, as its writer wrote them
 *     meta                                                    SnapshotMetaRecord + CRC32C of it ({@link MetaFile})
 *   tmp-8/                                                    a save in progress
 *   recv-9/                                                   a snapshot being received
 *   broken-snap-…/                                            a snapshot found damaged when opening, kept aside
 * </pre>
 *
 * <p><b>Crash safety.</b> A snapshot is written whole into a {@code tmp-} (save) or {@code recv-} (receive)
 * directory; its data and meta are fsynced there, then the directory is renamed into place atomically and the
 * parent directory fsynced. So a {@code snap-} directory is complete from the moment it exists. Retention deletes
 * a snapshot's meta first, so a deletion cut short leaves a {@code snap-} directory without meta. When the store
 * is opened, {@code tmp-} and {@code recv-} directories and {@code snap-} directories without meta are deleted;
 * a {@code snap-} directory whose meta is damaged (bad CRC, bad record, a name it does not match) or whose data
 * file has the wrong length is renamed to {@code broken-…}, logged, and never returned. The data's checksum is
 * not read when opening (it may be gigabytes): {@link #open} checks it as the data is read.
 *
 * <p><b>Order and retention.</b> The newest snapshot is the one with the highest (index, term); a save or install
 * of the same (index, term) again is newer than the one before. After each save and install, and when opening,
 * all but the {@code retain} newest are deleted, so a save or install older than the {@code retain} newest is
 * deleted at once.
 *
 * <p><b>Threads.</b> Thread-safe. {@link #save} writes and fsyncs the data without holding the store's lock, so
 * the event loop can meanwhile read and receive; only the final rename and retention are done under it. A stream
 * from {@link #open} holds its own file handle and is not affected by later calls; if retention deletes its
 * snapshot while it is being read, POSIX file systems let it read on (on Windows the deletion fails, is logged,
 * and is retried when the store is opened again). Memory is bounded by small I/O buffers: no snapshot is ever
 * held in memory.
 *
 * <p>Only one store may have a directory open at a time ({@code LOCK}, a {@link FileLock}). After
 * {@link #close()} every method except {@code close()} throws {@link IllegalStateException}; a snapshot being
 * received is discarded.
 */
public final class FileSnapshotStore implements SnapshotStore {
    /** How many snapshots {@link #open(Path)} keeps: the newest and the one before, which may still be sent. */
    public static final int DEFAULT_RETAIN = 2;

    static final String DATA = "data";
    static final String META = "meta";
    static final String LOCK = "LOCK";
    static final String TMP_PREFIX = "tmp-";
    static final String RECV_PREFIX = "recv-";
    static final String BROKEN_PREFIX = "broken-";

    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);
    private static final int BUFFER_BYTES = 64 << 10;

    private final Path dir;
    private final int retain;
    private final FileChannel lockChannel;
    private final Object mutex = new Object();

    /** Guarded by mutex. Every snapshot held, oldest first; invariant: at most {@code retain} between calls. */
    private final TreeMap<SnapshotId, Stored> snapshots;
    /** Guarded by mutex. The snapshot being received or received and not yet installed, if any. */
    private ReceivingSnapshot<ReceiveDirectory> received;
    /** Guarded by mutex. Above every generation in {@code dir}; names temporary and snapshot directories. */
    private long nextGeneration;
    /** Guarded by mutex. */
    private boolean closed;

    /** A snapshot held: its metadata and its directory. */
    private record Stored(SnapshotMeta meta, Path path) {
    }

    private FileSnapshotStore(Path dir, int retain, FileChannel lockChannel, TreeMap<SnapshotId, Stored> snapshots,
                              long nextGeneration) {
        this.dir = dir;
        this.retain = retain;
        this.lockChannel = lockChannel;
        this.snapshots = snapshots;
        this.nextGeneration = nextGeneration;
    }

    /** {@link #open(Path, int)} keeping {@link #DEFAULT_RETAIN} snapshots. */
    public static FileSnapshotStore open(Path dir) throws IOException {
        return open(dir, DEFAULT_RETAIN);
    }

    /**
     * Opens the store in {@code dir}, creating the directory if needed, and cleans up after a crash (see the
     * class comment).
     *
     * @param retain how many snapshots to keep (>= 1); more let a follower's transfer of an older snapshot finish
     *               after a newer one is saved, at the cost of disk space
     * @throws IllegalArgumentException if {@code retain < 1}
     * @throws IllegalStateException    if another store has {@code dir} open, in this process or another
     */
    public static FileSnapshotStore open(Path dir, int retain) throws IOException {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be >= 1, was " + retain);
        }
        Files.createDirectories(dir);
        FileChannel lockChannel = lock(dir);
        try {
            TreeMap<SnapshotId, Stored> snapshots = new TreeMap<>();
            long maxGeneration = recover(dir, snapshots);
            FileSnapshotStore store = new FileSnapshotStore(dir, retain, lockChannel, snapshots, maxGeneration + 1);
            synchronized (store.mutex) {
                store.applyRetention();
            }
            DiskOps.syncDirectory(dir);
            return store;
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
    }

    private static FileChannel lock(Path dir) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() == null) {
                throw new IllegalStateException("snapshot directory " + dir + " is open in another process");
            }
            return channel;
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IllegalStateException("snapshot directory " + dir + " is already open in this process");
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Loads every valid snapshot in {@code dir} into {@code snapshots} and clears away what a crash left.
     *
     * @return the highest generation named in {@code dir}, 0 if none
     */
    private static long recover(Path dir, Map<SnapshotId, Stored> snapshots) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            listing.forEach(entries::add);  // listed first: the loop below renames and deletes entries
        }
        entries.sort(null);
        long maxGeneration = 0;
        for (Path path : entries) {
            String name = path.getFileName().toString();
            if (name.startsWith(TMP_PREFIX) || name.startsWith(RECV_PREFIX)) {
                LOG.info("deleting {}: a save or receive that did not finish", path);
                DiskOps.deleteRecursively(path, null);
                continue;
            }
            Optional<SnapshotId> id = SnapshotId.parse(name.startsWith(BROKEN_PREFIX)
                    ? name.substring(BROKEN_PREFIX.length()) : name);
            if (id.isEmpty()) {
                if (!name.equals(LOCK)) {
                    LOG.warn("ignoring {}: not a file of the snapshot store", path);
                }
                continue;
            }
            maxGeneration = Math.max(maxGeneration, id.get().generation());
            if (!name.startsWith(BROKEN_PREFIX)) {
                load(path, id.get()).ifPresent(meta -> snapshots.put(id.get(), new Stored(meta, path)));
            }
        }
        return maxGeneration;
    }

    /** The snapshot in {@code path}, or empty if it is incomplete (then deleted) or damaged (then set aside). */
    private static Optional<SnapshotMeta> load(Path path, SnapshotId id) throws IOException {
        SnapshotMeta meta;
        try {
            meta = MetaFile.read(path.resolve(META));
        } catch (NoSuchFileException e) {
            LOG.info("deleting {}: it has no meta, a deletion did not finish", path);
            DiskOps.deleteRecursively(path, null);
            return Optional.empty();
        } catch (SnapshotCorruptException e) {
            setAside(path, e.getMessage());
            return Optional.empty();
        }
        if (meta.index() != id.index() || meta.term() != id.term()) {
            setAside(path, "its meta describes snapshot " + describe(meta));
            return Optional.empty();
        }
        Path data = path.resolve(DATA);
        long size = Files.isRegularFile(data) ? Files.size(data) : -1;
        if (size != meta.sizeBytes()) {
            setAside(path, size < 0 ? "it has no data file"
                    : "its data file has " + size + " bytes, its meta says " + meta.sizeBytes());
            return Optional.empty();
        }
        return Optional.of(meta);
    }

    /** Renames a damaged snapshot directory to {@code broken-…}, for an operator to look at. */
    private static void setAside(Path path, String reason) {
        Path broken = path.resolveSibling(BROKEN_PREFIX + path.getFileName());
        LOG.warn("snapshot {} is damaged and will not be used: {}; moving it to {}", path, reason, broken);
        try {
            Files.move(path, broken, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("could not move {} to {}; it is ignored", path, broken, e);
        }
    }

    @Override
    public Optional<SnapshotMeta> latest() {
        synchronized (mutex) {
            checkOpen();
            return snapshots.isEmpty() ? Optional.empty() : Optional.of(snapshots.lastEntry().getValue().meta());
        }
    }

    @Override
    public SnapshotMeta save(long index, long term, Membership membership, SnapshotWriter writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Path tmp = null;
        boolean released = false;
        boolean moved = false;
        try {
            new SnapshotMeta(index, term, membership, 0, 0);  // checks the arguments before any work
            long generation;
            synchronized (mutex) {
                checkOpen();
                generation = nextGeneration++;
            }
            tmp = dir.resolve(TMP_PREFIX + generation);
            Files.createDirectory(tmp);
            ChecksummingOutputStream out;
            try (FileChannel channel = FileChannel.open(tmp.resolve(DATA), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                // Never closed: closing the channel's stream would close the channel before force().
                out = new ChecksummingOutputStream(
                        new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES));
                try {
                    writer.writeTo(out);
                    out.flush();
                } finally {
                    released = true;
                    writer.release();
                }
                channel.force(true);
            }
            SnapshotMeta meta = new SnapshotMeta(index, term, membership, out.count(), out.checksum());
            MetaFile.write(tmp.resolve(META), meta);
            DiskOps.syncDirectory(tmp);
            synchronized (mutex) {
                checkOpen();
                SnapshotId id = new SnapshotId(index, term, generation);
                Path target = dir.resolve(id.dirName());
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                moved = true;
                snapshots.put(id, new Stored(meta, target));
                DiskOps.syncDirectory(dir);
                applyRetention();
            }
            return meta;
        } finally {
            if (!released) {
                writer.release();
            }
            if (tmp != null && !moved) {
                DiskOps.deleteQuietly(tmp, META);
            }
        }
    }

    @Override
    public InputStream open(SnapshotMeta meta, long offset) throws IOException {
        Objects.requireNonNull(meta, "meta");
        if (offset < 0 || offset > meta.sizeBytes()) {
            throw new IllegalArgumentException("offset " + offset + " is outside snapshot " + describe(meta)
                    + " of " + meta.sizeBytes() + " bytes");
        }
        FileChannel channel;
        synchronized (mutex) {  // opened under the lock, so retention cannot delete the file in between
            checkOpen();
            channel = FileChannel.open(find(meta).path().resolve(DATA), StandardOpenOption.READ);
        }
        try {
            channel.position(offset);
            return new VerifyingInputStream(new BufferedInputStream(Channels.newInputStream(channel), BUFFER_BYTES),
                    meta, offset);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The newest snapshot described by {@code meta}; guarded by mutex. */
    private Stored find(SnapshotMeta meta) {
        for (Stored stored : snapshots.descendingMap().values()) {
            if (stored.meta().equals(meta)) {
                return stored;
            }
        }
        throw new NoSuchElementException("no snapshot " + meta + " in " + dir);
    }

    @Override
    public IncomingSnapshot receive(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        synchronized (mutex) {
            checkOpen();
            discardReceivedLocked();
            Path recv = dir.resolve(RECV_PREFIX + nextGeneration++);
            received = new ReceivingSnapshot<>(meta, ReceiveDirectory.create(meta, recv));
            return received;
        }
    }

    @Override
    public void install(SnapshotMeta meta) throws IOException {
        Objects.requireNonNull(meta, "meta");
        synchronized (mutex) {
            checkOpen();
            ReceiveDirectory completed = received == null ? null : received.takeCompleted(meta);
            if (completed == null) {
                throw new NoSuchElementException("no completed received snapshot " + meta);
            }
            received = null;
            SnapshotId id = new SnapshotId(meta.index(), meta.term(), nextGeneration++);
            Path target = dir.resolve(id.dirName());
            try {
                Files.move(completed.dir(), target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                completed.discard();
                throw e;
            }
            snapshots.put(id, new Stored(meta, target));
            DiskOps.syncDirectory(dir);
            applyRetention();
        }
    }

    @Override
    public void discardReceived() {
        synchronized (mutex) {
            checkOpen();
            discardReceivedLocked();
        }
    }

    private void discardReceivedLocked() {
        if (received != null) {
            received.discard();
            received = null;
        }
    }

    /** Deletes all but the {@code retain} newest snapshots; guarded by mutex. */
    private void applyRetention() {
        while (snapshots.size() > retain) {
            Stored oldest = snapshots.pollFirstEntry().getValue();
            LOG.debug("deleting snapshot {} (keeping the newest {})", oldest.path(), retain);
            DiskOps.deleteQuietly(oldest.path(), META);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("snapshot store " + dir + " is closed");
        }
    }

    @Override
    public void close() {
        synchronized (mutex) {
            if (closed) {
                return;
            }
            closed = true;
            discardReceivedLocked();
            try {
                lockChannel.close();  // releases the lock
            } catch (IOException e) {
                LOG.warn("could not close {}", dir.resolve(LOCK), e);
            }
        }
    }

    @Override
    public String toString() {
        return "FileSnapshotStore[" + dir + ", retain " + retain + "]";
    }
}
