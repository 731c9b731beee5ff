package io.flotilla.raft.examples;

import io.flotilla.raft.examples.balance.ReplicatedBalance;
import io.flotilla.raft.examples.demo.SimulatedClusterDemo;

import java.util.concurrent.ExecutionException;

/**
 * Entry point of the examples: {@code demo [--seconds N] [--speed X] [--seed S]} (the default; {@code --speed 0}
 * runs as fast as possible), or {@code balance} (three {@code RaftNode}s replicating an account balance).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException, ExecutionException {
        String command = args.length > 0 ? args[0] : "demo";
        if (command.equals("balance")) {
            if (args.length != 1 && !(args.length == 3 && args[1].equals("--data-dir"))) {
                usage("balance takes only --data-dir DIR");
            }
            ReplicatedBalance.main(java.util.Arrays.copyOfRange(args, 1, args.length));
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
        if (!command.equals("demo")) {
            usage("unknown command " + command);
        }
        System.out.println("seed " + seed + " (pass --seed " + seed + " to replay this run)");
        new SimulatedClusterDemo(System.out, seed).run(seconds, speed);
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
        System.err.println("usage: demo [--seconds N] [--speed X (0 = as fast as possible)] [--seed S] | balance [--data-dir DIR]");
        System.exit(2);
        return null;
    }
}
