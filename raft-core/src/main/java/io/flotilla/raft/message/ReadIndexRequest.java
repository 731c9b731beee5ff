package io.flotilla.raft.message;

/**
 * A follower asks the leader for a read index on behalf of a local read (thesis §6.4: "followers ... request
 * the current readIndex from the leader"). Not a Raft RPC: the term rules for stale requests do not apply.
 *
 * @param requestId the follower's id for the read, echoed in the response
 */
public record ReadIndexRequest(long groupId, long from, long to, long term, long requestId) implements Message {
    public ReadIndexRequest {
        Message.checkHeader(groupId, from, to, term);
    }
}
