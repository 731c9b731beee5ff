package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A work queue under {@code path} with exactly-once claim and acknowledgement:
 * <ul>
 *   <li>{@link #put} adds {@code path/items/item-N} (persistent, sequential: items keep their order);
 *   <li>{@link #claim} creates the ephemeral {@code path/claims/item-N}, in one transaction with a check that the
 *       item is still there: at most one worker holds an item's claim at a time;
 *   <li>{@link #ack} deletes the item and the claim and records {@code path/done/item-N} (with the worker's
 *       result) in one transaction that first checks the claim is still this session's: an item is acknowledged
 *       at most once, and only by the worker that holds its claim;
 *   <li>when a worker's session ends its claims go with it, and the items are claimable again (redelivery).
 * </ul>
 * So every item is acknowledged exactly once, provided workers keep acknowledging until the queue is empty. The
 * work itself may run more than once (a worker that dies, or is paused past its TTL, after doing the work and
 * before its ack): make its effects idempotent, or put them in the ack's transaction (the result data), or fence
 * them with the claim's revision.
 *
 * <p>Threading: one object per worker; methods block the calling thread.
 */
public final class WorkQueue {
    /** A claimed item: its name, data, and the revision of the claim (a fencing token for the work). */
    public record Claim(String item, Payload data, long revision) {
    }

    private final CoordinationClient client;
    private final String items;
    private final String claims;
    private final String done;

    /** The queue at {@code path}; creates its folders if missing. */
    public WorkQueue(CoordinationClient client, String path) {
        this.client = client;
        this.items = path + "/items";
        this.claims = path + "/claims";
        this.done = path + "/done";
        client.ensurePath(items);
        client.ensurePath(claims);
        client.ensurePath(done);
    }

    /** Adds an item; returns its name. */
    public String put(Payload data) {
        Answer.Response r = client.submit(new Op.Create(items + "/item-", data, false, true));
        if (!r.ok()) {
            throw new CoordinationException("put refused: " + r.code());
        }
        return CoordinationStateMachine.nameOf(r.results().get(0).path());
    }

    /** Claims an unclaimed item, waiting up to {@code timeout} for one; empty if none came. */
    public Optional<Claim> claim(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        long seen = 0;
        while (true) {
            seen = Math.max(seen, client.revision());
            List<String> open = new ArrayList<>(client.children(items));
            Set<String> taken = new HashSet<>(client.children(claims));
            open.removeIf(taken::contains);
            // Start at a random open item so that workers do not all race for the first one.
            int start = open.isEmpty() ? 0 : ThreadLocalRandom.current().nextInt(open.size());
            for (int i = 0; i < open.size(); i++) {
                String item = open.get((start + i) % open.size());
                Answer.Response r = client.submit(new Op.Check(items + "/" + item, Op.ANY_VERSION, false),
                        new Op.Create(claims + "/" + item, Payload.EMPTY, true, false));
                if (r.ok()) {
                    Answer.NodeData d = client.get(items + "/" + item);
                    return Optional.of(new Claim(item, d.data(), r.revision()));
                }
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            // Wake on new items or released claims.
            Answer.EventList ev = client.awaitChange(itemsParent(), seen, Duration.ofNanos(left));
            seen = ev.revision();
        }
    }

    private String itemsParent() {
        return CoordinationStateMachine.parentOf(items);
    }

    /**
     * Acknowledges a claimed item, recording {@code result} with it. False if the claim was lost (the session
     * ended and the item went back to the queue, or was acknowledged by whoever claimed it next).
     */
    public boolean ack(Claim claim, Payload result) {
        String c = claims + "/" + claim.item();
        Answer.Response r = client.submit(new Op.Check(c, Op.ANY_VERSION, true),
                new Op.Delete(items + "/" + claim.item(), Op.ANY_VERSION, false),
                new Op.Delete(c, Op.ANY_VERSION, true),
                new Op.Create(done + "/" + claim.item(), result, false, false));
        return r.ok();
    }

    /** The names of acknowledged items, in order. */
    public List<String> done() {
        return client.children(done);
    }

    /** The names of items not yet acknowledged, in order. */
    public List<String> pending() {
        return client.children(items);
    }
}
