package io.flotilla.raft.node;

import io.flotilla.raft.log.LogStore;

/**
 * {@link io.flotilla.raft.log.ForwardingLogStore} under the name this package's tests (and other modules' tests,
 * through the test-jar) have always used.
 */
public class ForwardingLogStore extends io.flotilla.raft.log.ForwardingLogStore {
    public ForwardingLogStore(LogStore delegate) {
        super(delegate);
    }
}
