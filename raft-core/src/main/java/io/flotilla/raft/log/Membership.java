package io.flotilla.raft.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The members of a Raft group (a <em>configuration</em>, thesis chapter 4): the voters, whose majority elects leaders
 * and commits entries, and the learners, which receive the log but neither vote nor count towards a majority. Each
 * member may carry an address, for the transport; the protocol itself uses only the ids.
 *
 * <p>Changes go one server at a time (thesis §4.1): {@link #withLearner}, {@link #promote} and {@link #remove} each
 * change the voter set by at most one server, so any majority of the old voters overlaps any majority of the new.
 *
 * @param voters    the voting members, ascending, not empty
 * @param learners  the non-voting members, ascending, disjoint from {@code voters}
 * @param addresses the known address of each member (a member may have none); only members may have one
 */
public record Membership(List<Long> voters, List<Long> learners, Map<Long, String> addresses) {
    public Membership {
        voters = ascendingIds("voters", voters);
        learners = ascendingIds("learners", learners);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a membership needs at least one voter");
        }
        for (long l : learners) {
            if (voters.contains(l)) {
                throw new IllegalArgumentException("node " + l + " cannot be both a voter and a learner");
            }
        }
        Objects.requireNonNull(addresses, "addresses");
        TreeMap<Long, String> sorted = new TreeMap<>(addresses);
        for (Map.Entry<Long, String> e : sorted.entrySet()) {
            if (!voters.contains(e.getKey()) && !learners.contains(e.getKey())) {
                throw new IllegalArgumentException("address given for node " + e.getKey() + ", which is not a member");
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw new IllegalArgumentException("the address of node " + e.getKey() + " is empty");
            }
        }
        addresses = java.util.Collections.unmodifiableMap(sorted);
    }

    private static List<Long> ascendingIds(String what, List<Long> ids) {
        List<Long> sorted = Objects.requireNonNull(ids, what).stream().sorted().toList();
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i) <= 0) {
                throw new IllegalArgumentException(what + " must be positive node ids, found " + sorted.get(i));
            }
            if (i > 0 && sorted.get(i).equals(sorted.get(i - 1))) {
                throw new IllegalArgumentException(what + " lists node " + sorted.get(i) + " twice");
            }
        }
        return sorted;
    }

    /** Voters only, no learners, no addresses. */
    public static Membership ofVoters(List<Long> voters) {
        return new Membership(voters, List.of(), Map.of());
    }

    /** How many voters make a majority. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    public boolean isVoter(long id) {
        return voters.contains(id);
    }

    public boolean isLearner(long id) {
        return learners.contains(id);
    }

    public boolean isMember(long id) {
        return isVoter(id) || isLearner(id);
    }

    /** Every member, voters first. */
    public List<Long> members() {
        List<Long> all = new ArrayList<>(voters);
        all.addAll(learners);
        return all;
    }

    /**
     * Adds {@code id} as a learner (with {@code address}, may be null).
     *
     * @throws IllegalArgumentException if it is already a member
     */
    public Membership withLearner(long id, String address) {
        if (isMember(id)) {
            throw new IllegalArgumentException("node " + id + " is already a " + (isVoter(id) ? "voter" : "learner"));
        }
        List<Long> l = new ArrayList<>(learners);
        l.add(id);
        TreeMap<Long, String> a = new TreeMap<>(addresses);
        if (address != null) {
            a.put(id, address);
        }
        return new Membership(voters, l, a);
    }

    /**
     * Makes learner {@code id} a voter.
     *
     * @throws IllegalArgumentException if it is not a learner
     */
    public Membership promote(long id) {
        if (!isLearner(id)) {
            throw new IllegalArgumentException("node " + id + " is not a learner" + (isVoter(id) ? " (it is a voter)" : ""));
        }
        List<Long> v = new ArrayList<>(voters);
        v.add(id);
        List<Long> l = new ArrayList<>(learners);
        l.remove(Long.valueOf(id));
        return new Membership(v, l, addresses);
    }

    /**
     * Removes member {@code id}.
     *
     * @throws IllegalArgumentException if it is not a member, or is the last voter
     */
    public Membership remove(long id) {
        if (!isMember(id)) {
            throw new IllegalArgumentException("node " + id + " is not a member");
        }
        if (voters.size() == 1 && isVoter(id)) {
            throw new IllegalArgumentException("node " + id + " is the last voter and cannot be removed");
        }
        List<Long> v = new ArrayList<>(voters);
        v.remove(Long.valueOf(id));
        List<Long> l = new ArrayList<>(learners);
        l.remove(Long.valueOf(id));
        TreeMap<Long, String> a = new TreeMap<>(addresses);
        a.remove(id);
        return new Membership(v, l, a);
    }
}
