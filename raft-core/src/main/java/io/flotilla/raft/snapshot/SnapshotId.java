package io.flotilla.raft.snapshot;

import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a stored snapshot sits in a store's order, oldest first: by last included index, then term, then
 * generation. The generation is a number the store hands out once per save or install, so that the same
 * (index, term) stored twice gives two distinct snapshots, the later one newer.
 *
 * <p>{@link FileSnapshotStore} names a snapshot's directory after it ({@link #dirName()}), zero-padded so that
 * a directory listing sorts in the same order.
 */
record SnapshotId(long index, long term, long generation) implements Comparable<SnapshotId> {
    private static final Comparator<SnapshotId> ORDER = Comparator.comparingLong(SnapshotId::index)
            .thenComparingLong(SnapshotId::term).thenComparingLong(SnapshotId::generation);
    private static final String PREFIX = "snap-";
    private static final Pattern NAME = Pattern.compile("snap-(\\d{19})-(\\d{19})-(\\d{19})");

    SnapshotId {
        if (index <= 0 || term <= 0 || generation < 0) {
            throw new IllegalArgumentException("invalid snapshot id " + index + "/" + term + "/" + generation);
        }
    }

    /** {@code snap-<index>-<term>-<generation>}, each zero-padded to the 19 digits of {@code Long.MAX_VALUE}. */
    String dirName() {
        return String.format(Locale.ROOT, PREFIX + "%019d-%019d-%019d", index, term, generation);
    }

    /** The id a {@link #dirName()} stands for, or empty if {@code name} is not one. */
    static Optional<SnapshotId> parse(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SnapshotId(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3))));
        } catch (IllegalArgumentException e) {  // NumberFormatException (above Long.MAX_VALUE) included
            return Optional.empty();
        }
    }

    @Override
    public int compareTo(SnapshotId other) {
        return ORDER.compare(this, other);
    }
}
