package io.flotilla.raft.sim;

import io.flotilla.raft.core.BrokenRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs many seeded schedules of the {@link Simulation} and requires every one to keep Raft's safety
 * properties at every event and to converge once healed. The number of schedules comes from
 * {@code -Dflotilla.sim.schedules} (5,000 by default; the {@code soak} profile runs 100,000); the schedules'
 * seeds from {@code -Dflotilla.sim.baseSeed} (random by default, printed). A failure prints the seed of the
 * failing schedule and the command that replays it ({@link #replay()}).
 */
class SimulationTest {
    private static final int SCHEDULES = Integer.getInteger("flotilla.sim.schedules", 5000);

    @Test
    void everyScheduleKeepsTheInvariantsAndConvergesAfterHealing() {
        long baseSeed = Long.getLong("flotilla.sim.baseSeed", new SplittableRandom().nextLong());
        System.out.println("SimulationTest: " + SCHEDULES + " schedules from baseSeed=" + baseSeed
                + " (rerun the same set with -Dflotilla.sim.baseSeed=" + baseSeed + ")");
        SplittableRandom seeds = new SplittableRandom(baseSeed);
        long committed = 0;
        long reads = 0;
        long messages = 0;
        long crashes = 0;
        long snapshotsTaken = 0;
        long snapshotsInstalled = 0;
        long membershipChanges = 0;
        long transfers = 0;
        long failStops = 0;
        long[] diskFaults = new long[5];
        int[] bySize = new int[6];
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < SCHEDULES; i++) {
            long seed = seeds.nextLong();
            int nodes = i % 2 == 0 ? 3 : 5;
            try {
                Simulation.Result r = Simulation.run(seed, SimConfig.fromSeed(seed, nodes, BrokenRule.NONE));
                committed += r.committedEntries();
                reads += r.readsServed();
                messages += r.messages();
                crashes += r.crashes();
                snapshotsTaken += r.snapshotsTaken();
                snapshotsInstalled += r.snapshotsInstalled();
                membershipChanges += r.membershipChanges();
                transfers += r.leadershipTransfers();
                failStops += r.failStops();
                for (int k = 0; k < diskFaults.length; k++) {
                    diskFaults[k] += r.diskFaults().get(k);
                }
                bySize[nodes]++;
            } catch (SimulationFailure f) {
                failures.add(f.getMessage());
                if (failures.size() >= 5) {
                    break;
                }
            }
        }
        System.out.printf("SimulationTest: %d schedules passed (3 nodes: %d, 5 nodes: %d); %d entries committed, "
                + "%d read indexes checked, %d messages delivered, %d crashes, %d snapshots taken, %d installed "
                + "from a leader, %d membership changes, %d leadership transfers started%n", bySize[3] + bySize[5],
                bySize[3], bySize[5], committed, reads, messages, crashes, snapshotsTaken, snapshotsInstalled,
                membershipChanges, transfers);
        System.out.printf("SimulationTest: disk faults injected: %d failed fsyncs, %d writes failing with EIO, %d with "
                + "ENOSPC, %d torn tails dropped at restart; %d nodes stopped on a storage error and were restarted%n",
                diskFaults[0], diskFaults[1], diskFaults[2], diskFaults[4], failStops);
        assertThat(failures).as("failing schedules").isEmpty();
        assertThat(bySize[3] + bySize[5]).isEqualTo(SCHEDULES);
        assertThat(committed).as("the schedules must do real work").isGreaterThan(SCHEDULES * 10L);
        assertThat(reads).as("the schedules must serve reads").isGreaterThan(SCHEDULES * 10L);
        assertThat(snapshotsInstalled).as("followers must catch up by InstallSnapshot").isGreaterThan(SCHEDULES / 10);
        assertThat(membershipChanges).as("schedules must change their membership").isGreaterThan(SCHEDULES / 10);
        assertThat(transfers).as("schedules must transfer leadership").isGreaterThan(SCHEDULES / 20);
        assertThat(failStops).as("disk faults must stop nodes").isGreaterThan(SCHEDULES / 20);
        assertThat(diskFaults[4]).as("crashes must leave torn tails").isGreaterThan(SCHEDULES / 20);
    }

    /**
     * The known limit shared by every Raft: durable storage is the model's assumption. With fsyncs that report success
     * without persisting (opt-in; never in the default schedules), a voter forgets entries and votes it acknowledged,
     * and the invariant checker must say so — within a bounded number of schedules, with a seed that replays it.
     */
    @Test
    void lyingFsyncsBreakRaftAndTheCheckerSaysSo() {
        SplittableRandom seeds = new SplittableRandom(13);
        for (int i = 0; i < 2000; i++) {
            long seed = seeds.nextLong();
            SimConfig cfg = SimConfig.fromSeed(seed, i % 2 == 0 ? 3 : 5, BrokenRule.NONE).withLyingSync(0.5);
            try {
                Simulation.run(seed, cfg);
            } catch (SimulationFailure first) {
                System.out.println("lying fsyncs caught after " + (i + 1) + " schedules: " + first.getMessage());
                assertThat(first.getMessage()).contains(SimulationFailure.replayCommand(seed, cfg))
                        .contains("-Dflotilla.sim.lyingSync=0.5");
                assertThatThrownBy(() -> Simulation.run(seed, cfg)).isInstanceOf(SimulationFailure.class)
                        .hasMessage(first.getMessage());
                return;
            }
        }
        fail("no schedule out of 2000 with lying fsyncs was caught");
    }

    /**
     * Replays one schedule: {@code -Dflotilla.sim.seed=S [-Dflotilla.sim.nodes=N -Dflotilla.sim.brokenRule=R
     * -Dflotilla.sim.lyingSync=P -Dflotilla.sim.trace=true]}.
     */
    @Test
    void replay() {
        String seedProperty = System.getProperty("flotilla.sim.seed");
        assumeTrue(seedProperty != null, "set -Dflotilla.sim.seed to replay a schedule");
        long seed = Long.parseLong(seedProperty);
        SimConfig cfg = SimConfig.fromSeed(seed, Integer.getInteger("flotilla.sim.nodes", 0),
                BrokenRule.valueOf(System.getProperty("flotilla.sim.brokenRule", "NONE")));
        double lyingSync = Double.parseDouble(System.getProperty("flotilla.sim.lyingSync", "0"));
        if (lyingSync > 0) {
            cfg = cfg.withLyingSync(lyingSync);
        }
        boolean trace = Boolean.getBoolean("flotilla.sim.trace");
        System.out.println("replaying seed=" + seed + " " + cfg);
        Simulation.Result r = new Simulation(seed, cfg, trace ? System.out::println : null).run();
        System.out.println(r);
    }
}
