package io.flotilla.raft.examples.kv;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One {@link KvCluster} shared by the tests of a class ({@code @RegisterExtension static}): started, with a leader
 * elected, before the first test; stopped and its directory deleted after the last.
 */
final class KvClusterExtension implements BeforeAllCallback, AfterAllCallback {
    private final String[] flags;
    private Path dir;
    private KvCluster cluster;
    private int leader;

    /** @param flags extra server flags for every node */
    KvClusterExtension(String... flags) {
        this.flags = flags.clone();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("kv-cluster");
        cluster = new KvCluster(dir, flags);
        leader = cluster.awaitLeader(Duration.ofSeconds(60));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    KvCluster cluster() {
        return cluster;
    }

    /** The leader elected at start, or the one {@link #leader(int)} recorded since. */
    int leader() {
        return leader;
    }

    void leader(int id) {
        leader = id;
    }

    /** The lowest-numbered node that is not the leader. */
    int follower() {
        return leader == 1 ? 2 : 1;
    }

    /** The other follower. */
    int otherFollower() {
        return 6 - leader - follower();
    }
}
