package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders the report of a partition that cannot be linearized: its operations by call time (around the
 * failure when there are many), the longest linearizable prefix found, and the operations none of which
 * could be placed after it.
 */
final class Reports {
    /** Operations listed before and after the failing ones when the partition is long. */
    private static final int CONTEXT = 12;
    /** Operations of the prefix listed, the last ones. */
    private static final int PREFIX_TAIL = 12;

    private Reports() {
    }

    static <S, I, O> String illegal(Model<S, I, O> model, List<Operation<I, O>> ops, String header,
                                    WglSearch.Result<S> result) {
        List<Integer> prefix = result.longestPrefix();
        S state = result.stateAfterPrefix();
        int[] position = new int[ops.size()];
        for (int i = 0; i < prefix.size(); i++) {
            position[prefix.get(i)] = i + 1;
        }
        List<Integer> stuck = stuck(model, ops, position, state);

        StringBuilder out = new StringBuilder(header).append(": not linearizable\n");
        out.append("operations by call time (#n: position in the longest linearizable prefix; "
                + "X: cannot be placed after it; -: not placed):\n");
        int lo = Math.max(0, stuck.get(0) - CONTEXT);
        int hi = Math.min(ops.size(), stuck.get(stuck.size() - 1) + CONTEXT + 1);
        if (lo > 0) {
            out.append("  ... ").append(lo).append(" earlier operations\n");
        }
        for (int i = lo; i < hi; i++) {
            String mark = position[i] > 0 ? "#" + position[i] : stuck.contains(i) ? "X" : "-";
            out.append(String.format("  %6s  %s%n", mark, line(model, ops.get(i))));
        }
        if (hi < ops.size()) {
            out.append("  ... ").append(ops.size() - hi).append(" later operations\n");
        }
        out.append("longest linearizable prefix: ").append(prefix.size()).append(" of ").append(ops.size())
                .append(" operations").append(prefix.size() > PREFIX_TAIL ? ", ending:\n" : ":\n");
        for (int i = Math.max(0, prefix.size() - PREFIX_TAIL); i < prefix.size(); i++) {
            out.append(String.format("  %6s  %s%n", "#" + (i + 1), line(model, ops.get(prefix.get(i)))));
        }
        out.append("state after it: ").append(model.describeState(state)).append('\n');
        out.append("none of these can be linearized next:\n");
        for (int i : stuck) {
            out.append("          ").append(line(model, ops.get(i))).append('\n');
        }
        return out.toString();
    }

    /**
     * The operations that could come next after the prefix (called no later than the first return among
     * the rest) and that the model rejects from {@code state}. The search tried each of them; an operation
     * the model accepted would have made a longer prefix, so normally all the candidates are returned.
     */
    private static <S, I, O> List<Integer> stuck(Model<S, I, O> model, List<Operation<I, O>> ops, int[] position,
                                                 S state) {
        long firstReturn = Long.MAX_VALUE;
        for (int i = 0; i < ops.size(); i++) {
            if (position[i] == 0) {
                firstReturn = Math.min(firstReturn, ops.get(i).returnTime());
            }
        }
        List<Integer> candidates = new ArrayList<>();
        List<Integer> rejected = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Operation<I, O> op = ops.get(i);
            if (position[i] == 0 && op.callTime() <= firstReturn) {
                candidates.add(i);
                if (model.step(state, op.input(), op.output()).isEmpty()) {
                    rejected.add(i);
                }
            }
        }
        return rejected.isEmpty() ? candidates : rejected;
    }

    private static <I, O> String line(Model<?, I, O> model, Operation<I, O> op) {
        String interval = "[" + op.callTime() + ", " + (op.isPending() ? "pending" : op.returnTime()) + "]";
        return String.format("client %-3d %-22s %s", op.clientId(), interval, model.describe(op.input(), op.output()));
    }
}
