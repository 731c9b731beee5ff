package io.flotilla.raft.node;

/**
 * The leader refused a membership change or a leadership transfer, and says why (another change is not yet
 * committed, the change does not apply to the current membership, a compare-and-set found another membership, a
 * learner has not caught up, a transfer did not complete in time, ...). Nothing was changed by the refused request.
 */
public final class MembershipChangeException extends RaftException {
    private static final long serialVersionUID = 1L;

    MembershipChangeException(String reason) {
        super(reason);
    }

    @Override
    public boolean mayHaveTakenEffect() {
        return false;
    }
}
