package io.flotilla.raft.examples.coordination;

import io.flotilla.raft.log.Payload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Service discovery under {@code path}: each instance of a service registers its endpoint as an ephemeral
 * sequential node {@code path/<service>/member-N}; it disappears when the instance deregisters or its session ends
 * (within the TTL plus an election, if the instance dies). Watching a service reports its member list after each
 * change, in order.
 *
 * <p>Threading: methods block the calling thread; watch callbacks run on the client's watch thread.
 */
public final class ServiceRegistry {
    private final CoordinationClient client;
    private final String path;

    /** A registry rooted at {@code path}. */
    public ServiceRegistry(CoordinationClient client, String path) {
        this.client = client;
        this.path = path;
    }

    /** Registers {@code endpoint} as an instance of {@code service}; returns the registration's node. */
    public String register(String service, String endpoint) {
        client.ensurePath(path + "/" + service);
        Answer.Response r = client.submit(new Op.Create(path + "/" + service + "/member-",
                Payload.ofUtf8(endpoint), true, true));
        if (!r.ok()) {
            throw new CoordinationException("register refused: " + r.code());
        }
        return r.results().get(0).path();
    }

    /** Removes a registration. */
    public void deregister(String registration) {
        client.submit(new Op.Delete(registration, Op.ANY_VERSION, true));
    }

    /** The endpoints of {@code service}'s live instances, in registration order. */
    public List<String> members(String service) {
        List<String> endpoints = new ArrayList<>();
        for (String name : client.children(path + "/" + service)) {
            Answer.NodeData d = client.get(path + "/" + service + "/" + name);
            if (d.exists()) {
                endpoints.add(d.data().toStringUtf8());
            }
        }
        return endpoints;
    }

    /**
     * Calls {@code listener} with {@code service}'s member list after each registration or departure from now on,
     * in order; close the handle to stop.
     */
    public AutoCloseable watch(String service, Consumer<List<String>> listener) {
        String dir = path + "/" + service;
        client.ensurePath(dir);
        return client.watch(dir, client.revision(), new WatchListener() {
            @Override
            public void onEvent(WatchEvent event) {
                if (!event.path().equals(dir)) {
                    listener.accept(members(service));
                }
            }

            @Override
            public void onCompacted(long revision) {
                listener.accept(members(service));
            }
        });
    }
}
