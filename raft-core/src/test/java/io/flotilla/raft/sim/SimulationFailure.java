package io.flotilla.raft.sim;

/**
 * A simulated schedule broke a Raft invariant or failed to make progress. The message names the rule, the
 * virtual time, the seed and the single command that replays the run.
 */
public final class SimulationFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String rule;
    private final long seed;

    SimulationFailure(String rule, String detail, long seed, SimConfig config, long time) {
        super(rule + " violated at t=" + time + ": " + detail + "\n  seed=" + seed + " nodes=" + config.nodes()
                + (config.brokenRule() == io.flotilla.raft.core.BrokenRule.NONE ? "" : " brokenRule=" + config.brokenRule())
                + (config.diskFaults().any() ? " " + config.diskFaults() : "") + "\n  replay: " + replayCommand(seed, config));
        this.rule = rule;
        this.seed = seed;
    }

    /** A failure with a complete message (rule, detail, seed and replay command). */
    SimulationFailure(String rule, String message, long seed) {
        super(message);
        this.rule = rule;
        this.seed = seed;
    }

    /** The invariant that failed, e.g. "Election Safety". */
    public String rule() {
        return rule;
    }

    /** The seed that replays the run. */
    public long seed() {
        return seed;
    }

    /** The one command that replays a schedule (add -Dflotilla.sim.trace=true to print every event). */
    public static String replayCommand(long seed, SimConfig config) {
        return "mvn -pl raft-core test -Dtest=SimulationTest#replay -Dflotilla.sim.seed=" + seed
                + " -Dflotilla.sim.nodes=" + config.nodes()
                + (config.brokenRule() == io.flotilla.raft.core.BrokenRule.NONE ? ""
                : " -Dflotilla.sim.brokenRule=" + config.brokenRule())
                + (config.diskFaults().lyingSync() > 0 ? " -Dflotilla.sim.lyingSync=" + config.diskFaults().lyingSync() : "");
    }
}
