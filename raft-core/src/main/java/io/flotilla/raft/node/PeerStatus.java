package io.flotilla.raft.node;

/**
 * The leader's view of one other member (see {@link RaftNode#peers()}).
 *
 * @param id         the member's node id
 * @param voter      whether it votes (false: a learner)
 * @param matchIndex the highest log index known to be replicated on it
 * @param nextIndex  the index of the next entry the leader will send it
 * @param state      how the leader replicates to it: PROBE (finding where its log matches), REPLICATE (streaming) or
 *                   SNAPSHOT (sending it a snapshot)
 * @param lag        how many entries it is behind the leader's last index
 */
public record PeerStatus(long id, boolean voter, long matchIndex, long nextIndex, String state, long lag) {
}
