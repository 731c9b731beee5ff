package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;
import io.flotilla.raft.node.RaftNode;

import java.util.concurrent.CompletableFuture;

/**
 * How a {@link CoordinationClient} reaches one member of the cluster: in process ({@link #of(RaftNode)}) or over
 * TCP ({@link TcpMember}). Both forward writes to the leader and answer reads linearizably.
 *
 * <p>Threading: thread-safe; futures may complete on any thread.
 */
public interface Member {
    /** Proposes a {@link Wire}-encoded command; completes with the encoded answer once applied. */
    CompletableFuture<Payload> propose(Payload command);

    /** Runs a {@link Wire}-encoded query linearizably; completes with the encoded answer. */
    CompletableFuture<Payload> read(Payload query);

    /** A member in this JVM. */
    static Member of(RaftNode node) {
        return new Member() {
            @Override
            public CompletableFuture<Payload> propose(Payload command) {
                return node.propose(command);
            }

            @Override
            public CompletableFuture<Payload> read(Payload query) {
                return node.read(query);
            }

            @Override
            public String toString() {
                return "node-" + node.id();
            }
        };
    }
}
