package io.flotilla.raft.message;

/**
 * The leader's answer to a {@link ReadIndexRequest}. On success, the leader had confirmed its leadership with a
 * round of heartbeats after the request arrived, and {@code readIndex} was its commit index then: a read served
 * once the follower has applied {@code readIndex} is linearizable.
 *
 * @param requestId the follower's id for the read
 * @param success   whether a read index was established
 * @param readIndex on success, the index the follower must apply before serving the read; else 0
 * @param leaderId  on failure, the leader the answering node knows of, or 0
 */
public record ReadIndexResponse(long groupId, long from, long to, long term, long requestId, boolean success,
                                long readIndex, long leaderId) implements Message {
    public ReadIndexResponse {
        Message.checkHeader(groupId, from, to, term);
        if (readIndex < 0 || leaderId < 0) {
            throw new IllegalArgumentException("readIndex and leaderId must be >= 0");
        }
    }
}
