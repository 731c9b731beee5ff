package io.flotilla.raft.examples;

import io.flotilla.raft.examples.balance.ReplicatedBalance;
import io.flotilla.raft.examples.demo.SimulatedClusterDemo;
import io.flotilla.raft.examples.kv.KvDemo;
import io.flotilla.raft.examples.kv.KvServer;

import java.util.Arrays;

/**
 * Entry point of the examples ({@code java -jar flotilla-examples.jar COMMAND}, or {@code exec:java}):
 * <ul>
 *   <li>{@code demo [--dir DIR] [--port-offset N]} (the default): a three-node Redis-protocol KV cluster as three
 *       OS processes on this machine ({@link KvDemo});</li>
 *   <li>{@code server --id N --peers ... } : one KV server node ({@link KvServer}, flags in docs/kv-server.md);</li>
 *   <li>{@code simulate [--seconds N] [--speed X] [--seed S]}: a simulated cluster of pure Raft cores in one process
 *       ({@code --speed 0} runs as fast as possible);</li>
 *   <li>{@code balance [--data-dir DIR]}: three {@code RaftNode}s replicating an account balance;</li>
 *   <li>{@code bench [--clients 1,8,32,128] [--value-bytes 128] [--processes] ...}: the cluster benchmark
 *       ({@link io.flotilla.raft.examples.bench.ClusterBench}, docs/benchmarks.md).</li>
 * </ul>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 ? args[0] : "demo";
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        if (command.equals("demo")) {
            exitUnlessZero(KvDemo.run(rest, System.out, System.err));
            return;
        }
        if (command.equals("server")) {
            System.exit(KvServer.run(rest, System.in, System.out, System.err));
        }
        if (command.equals("balance")) {
            if (args.length != 1 && !(args.length == 3 && args[1].equals("--data-dir"))) {
                usage("balance takes only --data-dir DIR");
            }
            ReplicatedBalance.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (command.equals("bench")) {
            System.exit(io.flotilla.raft.examples.bench.ClusterBench.run(rest, System.out, System.err));
        }
        if (command.equals("fleet")) {
            io.flotilla.raft.examples.coordination.ServiceFleet.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int seconds = 12;
        double speed = 2.0;
        long seed = System.nanoTime();
        for (int i = 1; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--seconds" -> seconds = parseInt(args[i], value, 1, 3600);
                case "--speed" -> speed = parseDouble(args[i], value);
                case "--seed" -> seed = parseLong(args[i], value);
                default -> usage("unknown option " + args[i]);
            }
            i++;
        }
        if (!command.equals("simulate")) {
            usage("unknown command " + command);
        }
        System.out.println("seed " + seed + " (pass --seed " + seed + " to replay this run)");
        new SimulatedClusterDemo(System.out, seed).run(seconds, speed);
    }

    private static void exitUnlessZero(int code) {
        if (code != 0) {
            System.exit(code);
        }
    }

    private static int parseInt(String option, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        return usage(option + " takes a whole number from " + min + " to " + max + ", got " + value);
    }

    private static double parseDouble(String option, String value) {
        try {
            double v = Double.parseDouble(value);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // reported below
        }
        return usage(option + " takes a number >= 0, got " + value);
    }

    private static long parseLong(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return usage(option + " takes a whole number, got " + value);
        }
    }

    private static <T> T usage(String error) {
        System.err.println("error: " + error);
        System.err.println("usage: demo [--dir DIR] [--port-offset N]"
                + " | server --id N --peers ... (see server --help)"
                + " | simulate [--seconds N] [--speed X (0 = as fast as possible)] [--seed S]"
                + " | balance [--data-dir DIR]"
                + " | bench [--clients 1,8,32,128] [--value-bytes 128,4096] [--processes] ... (see bench --help)");
        System.exit(2);
        return null;
    }
}
