package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.util.List;

/** What the coordination state machine returns: for commands a {@link Response}, for queries the others. */
public sealed interface Answer permits Answer.Response, Answer.NodeData, Answer.ChildList, Answer.EventList {

    /**
     * The outcome of a command. For a request: {@code code} is the first failing operation's ({@code failedOp} its
     * position, -1 if none), {@code results} has one entry per operation when all succeeded. {@code revision} is
     * the log index of the entry that applied the command; for an {@code OpenSession} it is the new session's id.
     */
    record Response(Code code, int failedOp, long revision, List<OpResult> results) implements Answer {
        /** Copies. */
        public Response {
            results = List.copyOf(results);
        }

        /** Whether the command succeeded. */
        public boolean ok() {
            return code == Code.OK;
        }
    }

    /** One successful operation: the path it acted on (for a sequential create, the name it got) and the stat. */
    record OpResult(String path, Stat stat) {
    }

    /** A node's data, or {@code stat == null} if it does not exist. */
    record NodeData(Payload data, Stat stat) implements Answer {
        /** Whether the node exists. */
        public boolean exists() {
            return stat != null;
        }
    }

    /** Children names in order, or {@code exists == false}. */
    record ChildList(boolean exists, List<String> names) implements Answer {
        /** Copies. */
        public ChildList {
            names = List.copyOf(names);
        }
    }

    /**
     * Events after the asked revision. {@code compacted} means events the caller asked for are gone: the oldest
     * retained revision is above {@code afterRevision + 1}; the caller should re-read the state and resume from
     * {@code revision}. {@code revision} is the state machine's last applied index.
     */
    record EventList(boolean compacted, long revision, List<WatchEvent> events) implements Answer {
        /** Copies. */
        public EventList {
            events = List.copyOf(events);
        }
    }
}
