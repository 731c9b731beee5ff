package io.flotilla.raft.node;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStore;
import io.flotilla.raft.log.Membership;
import io.flotilla.raft.log.SnapshotMeta;
import io.flotilla.raft.snapshot.SnapshotCorruptException;
import io.flotilla.raft.snapshot.SnapshotStore;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Rebuilding a group when Raft itself cannot: offline operations on a <em>stopped</em> node's stores, for an operator
 * (see docs/disaster-recovery.md for the procedure, what is lost and how to check the result).
 *
 * <ul>
 *   <li>{@link #forceNewCluster}: a majority of the voters is lost for good, so nothing can commit again. One
 *       survivor's log becomes a new group of one voter (etcd's {@code --force-new-cluster}); new, empty members are
 *       then added with {@link RaftNode#addLearner} and {@link RaftNode#promote}.</li>
 *   <li>{@link #seedFromSnapshot}: a brand-new group (new node ids, new addresses, possibly a new group id) starts
 *       with the state of a snapshot taken by another group, such as a backup of a lost one.</li>
 * </ul>
 *
 * <p>Both give up Raft's guarantees on purpose and say what they give up: see each method. Neither may run while a
 * node uses the stores. The stores on disk take a lock on their directory when opened ({@code RocksDbLogStore},
 * {@link io.flotilla.raft.snapshot.FileSnapshotStore}), so opening them to call these methods fails while their
 * node runs; for stores on the heap the caller must make sure of it.
 *
 * <p>Threads: any thread, one call at a time per store, with no node running on the stores. Bad input and stores in
 * the wrong state are refused before anything is written, with an exception that names what is wrong:
 * {@link IllegalArgumentException} for an argument, {@link IllegalStateException} for the stores' contents. A
 * storage error ({@link io.flotilla.raft.log.LogStoreException}, {@link IOException}) may come after a write.
 */
public final class DisasterRecovery {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DisasterRecovery.class);
    /** How many bytes of entries are read at a time while looking for the membership in effect. */
    private static final long SCAN_BYTES = 4L << 20;

    private DisasterRecovery() {
    }

    /**
     * What {@link #forceNewCluster} did.
     *
     * @param previous       the membership that was in effect in the survivor's log or snapshot, or null if neither
     *                       recorded one (the group still had the voters it was started with)
     * @param membership     the new membership: the survivor as its only voter
     * @param configIndex    the index of the configuration entry appended; the survivor's log now ends there
     * @param term           that entry's term, now the survivor's current term: above every term of the old group
     *                       the survivor knew of
     * @param previousCommit the highest index the survivor knew to be committed (its persisted commit index, or its
     *                       snapshot's index if higher). Entries after it and before {@code configIndex} were not
     *                       known to be committed; the new group commits them
     */
    public record ForcedCluster(Membership previous, Membership membership, long configIndex, long term,
                                long previousCommit) {
    }

    /**
     * Turns a stopped survivor's stores into those of a group whose only voter is {@code nodeId}, for when a majority
     * of the voters is lost for good. On restart (with the same group id; the configured members no longer matter)
     * the node elects itself and commits every entry in its log; then add new, empty members with
     * {@link RaftNode#addLearner} and {@link RaftNode#promote}: they catch up from its log or snapshot.
     *
     * <p>How: if the newest snapshot is beyond the log, the log is first reset to it, as a restart would do. Then one
     * write, synced: a configuration entry at {@code lastIndex + 1} making {@code nodeId} the only voter (learners
     * are dropped), in a term one above the highest the survivor knew (its current term and its last entry's), with
     * that term as its current term and no vote. The entry and the term go together or not at all. The higher term
     * makes any message of the old group stale to the new one and puts the new entry above anything an old member
     * holds at that index.
     *
     * <p>What is given up, as with etcd: entries that the lost majority committed but this survivor never received
     * are gone; entries in the survivor's log that were never committed become committed. Choose the survivor with
     * the most recent log (highest last term, then highest last index). The old members must never run again on
     * their old data: give the members you add new ids.
     *
     * @param log       the survivor's log store, opened by the caller; no node may run on it
     * @param snapshots the survivor's snapshot store, or null if the node ran without one
     * @param nodeId    the survivor's node id; it must be a voter of the membership in effect in its log, if any
     * @param address   the survivor's address to record in the new membership (for other members' transports), or
     *                  null to keep the one the old membership recorded, if any
     * @return what was done
     * @throws IllegalArgumentException if {@code nodeId} is not positive or is not a voter of the membership in
     *                                  effect (a learner may lack committed entries; seed a new group from its
     *                                  snapshot instead), or if {@code address} is blank
     * @throws IllegalStateException    if the stores hold nothing to recover (no entry, no snapshot), or the newest
     *                                  snapshot is older than the log's first entry
     */
    public static ForcedCluster forceNewCluster(LogStore log, SnapshotStore snapshots, long nodeId, String address) {
        Objects.requireNonNull(log, "log");
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be > 0, was " + nodeId);
        }
        if (address != null && address.isBlank()) {
            throw new IllegalArgumentException("address must be null (keep the recorded one) or not blank, was '"
                    + address + "'");
        }
        SnapshotMeta latest = snapshots == null ? null : snapshots.latest().orElse(null);
        if (latest != null && latest.index() < log.firstIndex() - 1) {
            throw new IllegalStateException("the newest snapshot (index " + latest.index() + ") is older than the log, "
                    + "which starts at " + log.firstIndex() + ": entries in between are missing; nothing to force");
        }
        boolean resetToSnapshot = latest != null
                && (latest.index() > log.lastIndex() || log.term(latest.index()) != latest.term());
        long lastIndex = resetToSnapshot ? latest.index() : log.lastIndex();
        if (lastIndex == 0) {
            throw new IllegalStateException("node " + nodeId + "'s stores hold no entry and no snapshot: nothing to "
                    + "recover from them");
        }
        Membership previous = resetToSnapshot ? latest.membership() : membershipInLog(log, latest);
        if (previous != null && !previous.isVoter(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not a voter of the membership in effect in "
                    + "its log, " + previous + (previous.isLearner(nodeId) ? ": a learner never counted towards a "
                    + "commit and may lack committed entries; seed a new group from its snapshot instead" : "")
                    + "; are these the stores of node " + nodeId + "?");
        }

        if (resetToSnapshot) {
            RaftNode.reconcileLogWith(log, latest, nodeId); // what the node would do at its next start
        }
        HardState hs = log.hardState();
        long term = Math.max(hs.term(), log.term(lastIndex)) + 1;
        // A snapshot holds only committed entries, so its index is known committed even if the hard state lags.
        long knownCommit = Math.min(lastIndex, Math.max(hs.commit(), latest == null ? 0 : latest.index()));
        Map<Long, String> addresses = new TreeMap<>();
        String recorded = previous == null ? null : previous.addresses().get(nodeId);
        if (address != null || recorded != null) {
            addresses.put(nodeId, address != null ? address : recorded);
        }
        Membership alone = new Membership(List.of(nodeId), List.of(), addresses);
        Entry config = Entry.config(lastIndex + 1, term, alone);
        log.save(new HardState(term, 0, knownCommit), List.of(config), true);
        LOG.warn("node {}: forced a new group with this node as its only voter: configuration entry {} in term {} "
                + "(was {}); {}", nodeId, config.index(), term,
                previous == null ? "the voters it was started with" : previous, knownCommit == lastIndex
                        ? "every entry was known to be committed" : "entries " + (knownCommit + 1) + ".." + lastIndex
                        + " were not known to be committed; now they are");
        return new ForcedCluster(previous, alone, config.index(), term, knownCommit);
    }

    /**
     * The membership in effect in {@code log} (thesis §4.1: the latest configuration entry, committed or not), else
     * the snapshot's, else null (the group's bootstrap voters, which only the node's configuration knows). The same
     * rule as the core's at start-up ({@code RaftCore.restore}).
     */
    private static Membership membershipInLog(LogStore log, SnapshotMeta latest) {
        Membership found = latest == null ? null : latest.membership();
        for (long from = log.firstIndex(); from <= log.lastIndex(); ) {
            List<Entry> batch = log.entries(from, log.lastIndex() + 1, SCAN_BYTES);
            for (Entry e : batch) {
                if (e.type() == EntryType.CONFIG) {
                    found = e.membership();
                }
            }
            from += batch.size();
        }
        return found;
    }

    /**
     * {@link #seedFromSnapshot(SnapshotStore, SnapshotMeta, LogStore, SnapshotStore, long, Membership)} from the
     * newest snapshot in {@code source}.
     *
     * @throws IllegalStateException if {@code source} holds no snapshot (and for the reasons of the other overload)
     */
    public static SnapshotMeta seedFromSnapshot(SnapshotStore source, LogStore log, SnapshotStore snapshots,
                                                long nodeId, Membership membership) throws IOException {
        Objects.requireNonNull(source, "source");
        SnapshotMeta newest = source.latest().orElseThrow(() -> new IllegalStateException(
                "the source snapshot store " + source + " holds no snapshot to seed from"));
        return seedFromSnapshot(source, newest, log, snapshots, nodeId, membership);
    }

    /**
     * Prepares a new node's empty stores so that it starts with the state machine state of {@code snapshot}, taken by
     * another group, as a member of a new group whose membership is {@code membership}. Seed every voter of the new
     * group from the same snapshot with the same membership (or seed one voter alone, {@code membership} naming only
     * it, and add the others with {@link RaftNode#addLearner}: they get the snapshot from it). Start the nodes with
     * the new group's id and a {@link RaftConfig} whose members are {@code membership}'s voters.
     *
     * <p>The new group keeps the snapshot's index and term, so its state machine sees applies carry on after the index
     * its state was taken at; its log starts empty after the snapshot. Nothing after the snapshot's index in the old
     * group reaches the new one.
     *
     * <p>How: the snapshot's data is copied from {@code source} into {@code snapshots} under the new membership; the
     * copy is checked against the snapshot's size and CRC32C as it is read (a mismatch throws
     * {@link SnapshotCorruptException} and saves nothing), and saved atomically. Then the log is reset to follow it,
     * with the snapshot's term as the current term, and synced. A crash in between leaves a seeded snapshot and an
     * empty log, which the node completes when it starts.
     *
     * @param source     where the snapshot is, opened by the caller (a copy of a lost node's snapshot directory, say)
     * @param snapshot   which of {@code source}'s snapshots
     * @param log        the new node's log store: empty, never used
     * @param snapshots  the new node's snapshot store: empty; not {@code source}
     * @param nodeId     the new node's id; a member of {@code membership}
     * @param membership the new group's membership (voters and learners, with their addresses)
     * @return the seeded snapshot's metadata: {@code snapshot}'s index, term, size and checksum, with
     *         {@code membership}
     * @throws IllegalArgumentException if {@code nodeId} is not a member of {@code membership}, or {@code snapshots}
     *                                  is {@code source}
     * @throws IllegalStateException    if {@code log} or {@code snapshots} is not empty
     * @throws SnapshotCorruptException if the snapshot's data does not match its size or checksum
     * @throws java.util.NoSuchElementException if {@code source} does not hold {@code snapshot}
     * @throws IOException              if reading or writing a snapshot fails
     */
    public static SnapshotMeta seedFromSnapshot(SnapshotStore source, SnapshotMeta snapshot, LogStore log,
                                                SnapshotStore snapshots, long nodeId, Membership membership)
            throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(membership, "membership");
        if (!membership.isMember(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not a member of the new membership "
                    + membership);
        }
        if (snapshots == source) {
            throw new IllegalArgumentException("the new node's snapshot store must not be the source store " + source);
        }
        if (log.lastIndex() != 0 || log.firstIndex() != 1 || !log.hardState().equals(HardState.EMPTY)) {
            throw new IllegalStateException("node " + nodeId + "'s log store is not empty (entries "
                    + log.firstIndex() + ".." + log.lastIndex() + ", " + log.hardState() + "): seed only a new node");
        }
        if (snapshots.latest().isPresent()) {
            throw new IllegalStateException("node " + nodeId + "'s snapshot store is not empty (it holds "
                    + snapshots.latest().get() + "): seed only a new node");
        }
        SnapshotMeta seeded = snapshots.save(snapshot.index(), snapshot.term(), membership, out -> {
            try (InputStream in = source.open(snapshot, 0)) {
                in.transferTo(out); // the source's stream checks size and CRC32C when it reaches the end
            }
        });
        if (!seeded.sameDataAs(snapshot)) {
            throw new IllegalStateException("the seeded snapshot " + seeded + " differs from its source " + snapshot);
        }
        log.installSnapshot(seeded.index(), seeded.term());
        log.saveHardState(new HardState(seeded.term(), 0, seeded.index()));
        log.sync();
        LOG.info("node {}: seeded from snapshot {} (term {}, {} bytes) as a member of {}", nodeId, seeded.index(),
                seeded.term(), seeded.sizeBytes(), membership);
        return seeded;
    }
}
