package io.flotilla.raft.examples.verification;

import io.flotilla.raft.linearizability.KvModel;
import io.flotilla.raft.linearizability.Operation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The record of a run: every client operation whose outcome matters to the checker, as an {@link Operation} of the
 * {@link KvModel} (completed, or pending when its outcome is unknown), and a text log of every invocation, completion
 * and nemesis event in the order they happened, which {@link #write} saves as {@code history.txt}.
 *
 * <p>Times are microseconds of {@link System#nanoTime()} since the history began, one clock for every client.
 * Operations that certainly had no effect (a read that failed, a write the server says was not applied) are logged
 * but left out of the checked history, as Jepsen does with {@code :fail}.
 *
 * <p>Threading: every method may be called from any thread.
 */
final class History {
    private static final KvModel MODEL = new KvModel();
    private final long origin = System.nanoTime();
    private final List<Operation<KvModel.Input, KvModel.Output>> operations = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private int ok;
    private int failed;
    private int indeterminate;
    private int events;

    /** The current time on this history's clock, in microseconds. */
    long now() {
        return (System.nanoTime() - origin) / 1000;
    }

    synchronized void invoked(long client, KvModel.Input input, long call) {
        log.add(String.format("%10d %4d invoke %s", call, client, MODEL.describe(input, null)));
    }

    /** An answered operation. */
    synchronized void ok(long client, KvModel.Input input, KvModel.Output output, long call) {
        long end = Math.max(call, now());
        operations.add(Operation.completed(client, input, output, call, end));
        log.add(String.format("%10d %4d ok     %s", end, client, MODEL.describe(input, output)));
        ok++;
    }

    /** An operation that certainly had no effect: logged, not checked. */
    synchronized void failed(long client, KvModel.Input input, String why) {
        log.add(String.format("%10d %4d fail   %s: %s", now(), client, MODEL.describe(input, null), why));
        failed++;
    }

    /** A write whose outcome is unknown (timeout, lost connection, TRYAGAIN "outcome unknown"): pending forever. */
    synchronized void indeterminate(long client, KvModel.Input input, long call, String why) {
        operations.add(Operation.pending(client, input, call));
        log.add(String.format("%10d %4d info   %s: %s", now(), client, MODEL.describe(input, null), why));
        indeterminate++;
    }

    /** A nemesis action or a phase of the run. */
    synchronized void event(String what) {
        log.add(String.format("%10d  --- %s", now(), what));
        events++;
    }

    synchronized List<Operation<KvModel.Input, KvModel.Output>> operations() {
        return List.copyOf(operations);
    }

    synchronized int okCount() {
        return ok;
    }

    synchronized int failedCount() {
        return failed;
    }

    synchronized int indeterminateCount() {
        return indeterminate;
    }

    /** A one-line summary of the counts. */
    synchronized String summary() {
        return String.format("%d operations checked (%d ok, %d indeterminate), %d failed definitely (not checked), "
                + "%d events", operations.size(), ok, indeterminate, failed, events);
    }

    /** Saves the log, one line per invocation, completion or event. */
    synchronized void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, log);
    }
}
