package io.flotilla.raft.sim;

import io.flotilla.raft.core.BrokenRule;

import java.util.SplittableRandom;

/**
 * The shape of one simulated schedule. Every field is drawn from the seed ({@link #fromSeed}), so a seed
 * alone replays a run exactly.
 *
 * @param nodes          cluster size (3 or 5)
 * @param chaosTicks     how long faults are injected, in ticks of the first node's clock
 * @param livenessTicks  after the network heals and every node is up, the bound within which a leader must be
 *                       elected and every pending proposal must commit and be applied everywhere
 * @param electionTicks  the cores' base election timeout
 * @param heartbeatTicks the cores' heartbeat interval
 * @param lossRate       probability that a message is dropped
 * @param duplicateRate  probability that a delivered message is delivered twice
 * @param maxDelay       largest ordinary network delay, in time units ({@link Simulation#TICK} per tick)
 * @param longDelayRate  probability that a message is held back for up to three ticks (reordering)
 * @param crashRate      per tick, probability that a random node crashes (losing unsynced writes)
 * @param partitionRate  per tick, probability that a network partition starts (if none is in force)
 * @param maxDiskDelay   largest delay of a synced write, in time units
 * @param proposeRate    per tick, probability that the client proposes a new command
 * @param preVote        whether the cores run PreVote
 * @param checkQuorum    whether the cores run CheckQuorum and honour leader leases
 * @param brokenRule     test-only rule to break in every core (NONE normally)
 * @param snapshotEvery  a node snapshots its state machine once it has applied this many entries since its last
 *                       snapshot, then compacts its log; 0 for no snapshots
 * @param trailingEntries how many entries before its snapshot a node keeps when it compacts (slow followers)
 * @param spareNodes     servers that start outside the group (learners-to-be for membership changes)
 * @param membershipRate per tick, probability that the leader is asked for a membership change (add a learner,
 *                       promote one, remove a member) or a leadership transfer; 0 for a fixed membership
 * @param diskFaults     the faults every node's disk injects during the chaos phase ({@link DiskFaults#draw}: none in
 *                       half the schedules, never a lying fsync; none with a broken rule). Drawn from a generator of
 *                       their own, so the other fields are what they were before disk faults existed
 */
public record SimConfig(int nodes, int chaosTicks, int livenessTicks, int electionTicks, int heartbeatTicks,
                        double lossRate, double duplicateRate, int maxDelay, double longDelayRate, double crashRate,
                        double partitionRate, int maxDiskDelay, double proposeRate, boolean preVote,
                        boolean checkQuorum, BrokenRule brokenRule, int snapshotEvery, int trailingEntries,
                        int spareNodes, double membershipRate, DiskFaults diskFaults) {

    /**
     * A copy whose disks' fsyncs lie with probability {@code p} (test-only: breaks the durability Raft assumes; the
     * checks are expected to fail).
     */
    public SimConfig withLyingSync(double p) {
        return new SimConfig(nodes, chaosTicks, livenessTicks, electionTicks, heartbeatTicks, lossRate, duplicateRate,
                maxDelay, longDelayRate, crashRate, partitionRate, maxDiskDelay, proposeRate, preVote, checkQuorum,
                brokenRule, snapshotEvery, trailingEntries, spareNodes, membershipRate, diskFaults.withLyingSync(p));
    }

    /** Draws a schedule's shape from its seed; {@code nodes} 0 lets the seed choose 3 or 5. */
    public static SimConfig fromSeed(long seed, int nodes, BrokenRule brokenRule) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        int n = nodes > 0 ? nodes : (r.nextBoolean() ? 3 : 5);
        int electionTicks = 10;
        return new SimConfig(
                n,
                150 + r.nextInt(250),
                30 * electionTicks,
                electionTicks,
                1 + r.nextInt(3),
                r.nextDouble() * 0.2,
                r.nextDouble() * 0.1,
                5 + r.nextInt(40),
                r.nextDouble() * 0.1,
                r.nextDouble() * 0.05,
                r.nextDouble() * 0.1,
                1 + r.nextInt(30),
                0.2 + r.nextDouble() * 0.8,
                // PreVote and CheckQuorum make leader changes rarer, which hides the rules the self-tests break on
                // purpose; with a broken rule they are off. Otherwise each seed picks.
                r.nextBoolean() && brokenRule == BrokenRule.NONE,
                r.nextBoolean() && brokenRule == BrokenRule.NONE,
                brokenRule,
                // Most schedules snapshot often, so that followers fall behind the leader's log and need InstallSnapshot.
                r.nextInt(4) == 0 ? 0 : 5 + r.nextInt(60),
                r.nextInt(12),
                2,
                // Half the schedules change their membership and hand over leadership as they run (not with a broken
                // rule: the self-tests keep the schedules they were calibrated on).
                r.nextBoolean() && brokenRule == BrokenRule.NONE ? 0.02 + r.nextDouble() * 0.08 : 0,
                brokenRule == BrokenRule.NONE ? DiskFaults.draw(new SplittableRandom(seed ^ 0x5DEECE66DL)) : DiskFaults.NONE);
    }
}
