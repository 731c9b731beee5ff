package io.flotilla.raft.core;

import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.EntryType;
import io.flotilla.raft.log.Membership;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memberships recorded in a node's log (thesis §4.1): "a server always uses the latest configuration in its log,
 * regardless of whether the entry is committed". Holds the configuration entries still in the log, by index, over a
 * <em>base</em> membership — the one in effect before them: the snapshot's, or the bootstrap voters'. When a conflicting
 * suffix of the log is replaced, the configurations in it go too, and the latest one left is in effect again.
 */
final class Configurations {
    private Membership base;
    private final TreeMap<Long, Membership> entries = new TreeMap<>();

    Configurations(Membership base) {
        this.base = base;
    }

    /** The membership in effect: the latest in the log. */
    Membership current() {
        return entries.isEmpty() ? base : entries.lastEntry().getValue();
    }

    /** The index of the entry that made the current membership, or 0 if it is the base. */
    long currentIndex() {
        return entries.isEmpty() ? 0 : entries.lastKey();
    }

    /** The membership as of {@code index}: the latest configuration entry at or before it, else the base. */
    Membership at(long index) {
        Map.Entry<Long, Membership> e = entries.floorEntry(index);
        return e == null ? base : e.getValue();
    }

    /** Entries were appended (in order): their configurations take effect. */
    void appended(List<Entry> ents) {
        for (Entry e : ents) {
            if (e.type() == EntryType.CONFIG) {
                entries.put(e.index(), e.membership());
            }
        }
    }

    /** The log lost every entry from {@code index} on: so do the configurations they carried. */
    void truncatedFrom(long index) {
        entries.tailMap(index, true).clear();
    }

    /** The log was replaced by a snapshot whose membership is {@code membership} (Figure 13, rule 8). */
    void restored(Membership membership) {
        base = membership;
        entries.clear();
    }
}
