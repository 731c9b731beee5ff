package io.flotilla.raft.message;

import io.flotilla.raft.log.Payload;

import java.util.List;

/**
 * A follower forwards client commands to the leader. Not a Raft RPC: the leader appends them as if proposed
 * locally and answers with a {@link ForwardProposalResponse} naming where they went.
 *
 * @param requestId the follower's id for the proposal, echoed in the response
 * @param commands  the commands, at least one
 */
public record ForwardProposal(long groupId, long from, long to, long term, long requestId, List<Payload> commands)
        implements Message {
    public ForwardProposal {
        Message.checkHeader(groupId, from, to, term);
        commands = List.copyOf(commands);
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("a forwarded proposal needs at least one command");
        }
    }
}
