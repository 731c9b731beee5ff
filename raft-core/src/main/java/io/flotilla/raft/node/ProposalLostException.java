package io.flotilla.raft.node;

/**
 * The command was appended by a leader that lost its leadership, and a new leader replaced it with another entry:
 * it was not committed and never will be. Safe to retry. (The one exception is outside Raft: a group rebuilt with
 * {@link DisasterRecovery#forceNewCluster} from a survivor that still held the entry commits it.)
 */
public final class ProposalLostException extends RaftException {
    private static final long serialVersionUID = 1L;

    ProposalLostException(long index, long term) {
        super("the command appended at index " + index + " in term " + term
                + " was replaced by a later leader and will never commit; safe to retry");
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
