package io.flotilla.raft.examples.kv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The KV server's settings, from its command-line flags ({@link #parse}; every flag is described in
 * docs/kv-server.md and by {@link #USAGE}). Immutable and validated when built: an invalid value throws
 * {@link IllegalArgumentException} naming the flag, the value and the constraint.
 *
 * @param id              this node's id ({@code --id}), a key of {@code peers}
 * @param peers           every member's Raft address, {@code id=host:port,...} ({@code --peers}); the same on every node
 * @param listen          where the Raft transport listens ({@code --listen}); default: this node's entry in peers
 * @param bind            the address the client and admin ports listen on ({@code --bind}, default 127.0.0.1)
 * @param clientPort      the RESP port ({@code --client-port}); 0 picks a free one
 * @param adminPort       the HTTP admin port ({@code --admin-port}); 0 picks a free one
 * @param dataDir         where the log ({@code log/}) and snapshots ({@code snapshots/}) live ({@code --data-dir})
 * @param adminPeers      the members' admin addresses, {@code id=host:port,...} ({@code --admin-peers}), for the
 *                        status page; empty: the page shows this node only
 * @param clusterId       the transport's cluster name ({@code --cluster-id}, default flotilla-kv)
 * @param requestTimeout  how long a command may wait for a leader and a quorum before {@code -TRYAGAIN}
 *                        ({@code --request-timeout}, default 1500ms)
 * @param maxArgBytes     the longest argument accepted ({@code --max-arg-bytes}, default 1 MiB)
 * @param maxCommandBytes the most argument bytes in one command ({@code --max-command-bytes}, default 4 MiB, at most
 *                        8 MiB so that a command always fits the transport's 16 MiB frame)
 * @param maxArgs         the most arguments in one command ({@code --max-args}, default 65,536)
 * @param snapshotEvery   take a snapshot every this many applied entries ({@code --snapshot-every}, default 10,000)
 * @param tlsCert         PEM certificate chain for mutual TLS between nodes ({@code --tls-cert}), or null
 * @param tlsKey          PEM PKCS#8 private key ({@code --tls-key}), or null
 * @param tlsCa           PEM CA certificate(s) trusted for peers ({@code --tls-ca}), or null
 * @param exitOnStdinClose exit when standard input closes ({@code --exit-on-stdin-close}): what the demo and the
 *                        tests pass, so that nodes never outlive the process that started them
 * @param unsafeLocalReads TEST ONLY, breaks linearizability: answer reads from this node's local state, without
 *                        ReadIndex ({@code --unsafe-local-reads=}{@value #UNSAFE_LOCAL_READS_CONFIRMATION}). Not in
 *                        {@link #USAGE}; it exists so that the fault-testing harness can show that it catches stale
 *                        reads (docs/verification.md). Any other value of the flag is refused.
 */
public record KvServerConfig(long id, Map<Long, String> peers, String listen, String bind, int clientPort,
                             int adminPort, Path dataDir, Map<Long, String> adminPeers, String clusterId,
                             Duration requestTimeout, int maxArgBytes, long maxCommandBytes, int maxArgs,
                             long snapshotEvery, Path tlsCert, Path tlsKey, Path tlsCa, boolean exitOnStdinClose,
                             boolean unsafeLocalReads) {
    /** The most a command may carry: half the transport's default 16 MiB frame. */
    public static final long MAX_COMMAND_BYTES_LIMIT = 8L << 20;

    /**
     * The only value {@code --unsafe-local-reads} accepts: spelling it out is what makes the broken mode impossible
     * to switch on by accident (a bare flag, {@code true} or {@code yes} is refused).
     */
    public static final String UNSAFE_LOCAL_READS_CONFIRMATION = "stale-reads-are-not-linearizable";

    public static final String USAGE = """
            usage: server --id N --peers 1=host:port,2=host:port,3=host:port --client-port P --admin-port P \\
                          --data-dir DIR [options]
              --listen HOST:PORT        Raft transport listen address (default: this node's entry in --peers)
              --bind HOST               address of the client and admin ports (default 127.0.0.1)
              --admin-peers 1=host:port,...  every node's admin address, for the status page
              --cluster-id NAME         cluster name checked in the transport handshake (default flotilla-kv)
              --request-timeout D       wait for a leader/quorum before -TRYAGAIN, e.g. 1500ms, 3s (default 1500ms)
              --max-arg-bytes N         longest argument (default 1048576)
              --max-command-bytes N     most argument bytes per command (default 4194304, at most 8388608)
              --max-args N              most arguments per command (default 65536)
              --snapshot-every N        snapshot every N applied entries (default 10000)
              --tls-cert F --tls-key F --tls-ca F   mutual TLS between nodes (all three, PEM)
              --exit-on-stdin-close     exit when standard input closes (used by the demo and tests)""";

    public KvServerConfig {
        if (peers == null || peers.isEmpty()) {
            throw new IllegalArgumentException("--peers is required: id=host:port,... for every member");
        }
        peers = Collections.unmodifiableMap(new TreeMap<>(peers));
        if (!peers.containsKey(id)) {
            throw new IllegalArgumentException("--id " + id + " must be one of the ids in --peers " + peers.keySet());
        }
        peers.forEach((k, v) -> hostPort("--peers entry " + k, v, false));
        listen = listen == null ? peers.get(id) : listen;
        hostPort("--listen", listen, true);
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("--bind must be a host name or address, was '" + bind + "'");
        }
        port("--client-port", clientPort);
        port("--admin-port", adminPort);
        if (dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("--data-dir " + dataDir + " exists and is not a directory");
        }
        adminPeers = Collections.unmodifiableMap(new TreeMap<>(adminPeers == null ? Map.of() : adminPeers));
        adminPeers.forEach((k, v) -> hostPort("--admin-peers entry " + k, v, false));
        if (clusterId == null || clusterId.isEmpty() || clusterId.length() > 255) {
            throw new IllegalArgumentException("--cluster-id must be 1 to 255 characters, was '" + clusterId + "'");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("--request-timeout must be positive, was " + requestTimeout);
        }
        atLeast("--max-arg-bytes", maxArgBytes, 1);
        atLeast("--max-args", maxArgs, 1);
        if (maxCommandBytes < maxArgBytes || maxCommandBytes > MAX_COMMAND_BYTES_LIMIT) {
            throw new IllegalArgumentException("--max-command-bytes must be in [--max-arg-bytes (" + maxArgBytes
                    + "), " + MAX_COMMAND_BYTES_LIMIT + "], was " + maxCommandBytes);
        }
        atLeast("--snapshot-every", snapshotEvery, 0);
        if ((tlsCert == null) != (tlsKey == null) || (tlsCert == null) != (tlsCa == null)) {
            throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go together: give all three or none");
        }
    }

    /** Parses the {@code server} command's flags. */
    public static KvServerConfig parse(String[] args) {
        Map<String, String> flags = new TreeMap<>();
        boolean exitOnStdinClose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--exit-on-stdin-close")) {
                exitOnStdinClose = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags start with --)");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                name = a;
                value = args[++i];
            }
            if (!FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown flag " + name);
            }
            if (flags.put(name, value) != null) {
                throw new IllegalArgumentException(name + " given twice");
            }
        }
        for (String required : new String[] {"--id", "--peers", "--client-port", "--admin-port", "--data-dir"}) {
            if (!flags.containsKey(required)) {
                throw new IllegalArgumentException(required + " is required");
            }
        }
        String tlsCert = flags.get("--tls-cert");
        String tlsKey = flags.get("--tls-key");
        String tlsCa = flags.get("--tls-ca");
        return new KvServerConfig(number("--id", flags.get("--id")), members("--peers", flags.get("--peers")),
                flags.get("--listen"), flags.getOrDefault("--bind", "127.0.0.1"),
                intNumber("--client-port", flags.get("--client-port")),
                intNumber("--admin-port", flags.get("--admin-port")), Path.of(flags.get("--data-dir")),
                flags.containsKey("--admin-peers") ? members("--admin-peers", flags.get("--admin-peers")) : Map.of(),
                flags.getOrDefault("--cluster-id", "flotilla-kv"),
                duration("--request-timeout", flags.getOrDefault("--request-timeout", "1500ms")),
                intNumber("--max-arg-bytes", flags.getOrDefault("--max-arg-bytes", "1048576")),
                number("--max-command-bytes", flags.getOrDefault("--max-command-bytes", "4194304")),
                intNumber("--max-args", flags.getOrDefault("--max-args", "65536")),
                number("--snapshot-every", flags.getOrDefault("--snapshot-every", "10000")),
                tlsCert == null ? null : Path.of(tlsCert), tlsKey == null ? null : Path.of(tlsKey),
                tlsCa == null ? null : Path.of(tlsCa), exitOnStdinClose, unsafeLocalReads(flags));
    }

    /** {@code --unsafe-local-reads}: absent, or the confirmation phrase; anything else is refused. */
    private static boolean unsafeLocalReads(Map<String, String> flags) {
        String value = flags.get("--unsafe-local-reads");
        if (value == null) {
            return false;
        }
        if (!value.equals(UNSAFE_LOCAL_READS_CONFIRMATION)) {
            throw new IllegalArgumentException("--unsafe-local-reads is a test-only switch that makes reads stale "
                    + "(not linearizable); it takes exactly the value " + UNSAFE_LOCAL_READS_CONFIRMATION
                    + ", was '" + value + "'");
        }
        return true;
    }

    private static final java.util.Set<String> FLAGS = java.util.Set.of("--id", "--peers", "--listen", "--bind",
            "--client-port", "--admin-port", "--data-dir", "--admin-peers", "--cluster-id", "--request-timeout",
            "--max-arg-bytes", "--max-command-bytes", "--max-args", "--snapshot-every", "--tls-cert", "--tls-key",
            "--tls-ca", "--unsafe-local-reads");

    /** Parses {@code id=host:port,id=host:port}. */
    static Map<Long, String> members(String flag, String value) {
        Map<Long, String> out = new TreeMap<>();
        for (String entry : value.split(",")) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(flag + " must be id=host:port,... ; '" + entry + "' is not");
            }
            long id = number(flag + " id", entry.substring(0, eq).trim());
            if (id <= 0) {
                throw new IllegalArgumentException(flag + ": node ids must be > 0, was " + id);
            }
            if (out.put(id, entry.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException(flag + ": node " + id + " is listed twice");
            }
        }
        return out;
    }

    /** Parses a duration: a whole number followed by ms, s or m. */
    static Duration duration(String flag, String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + " must be a whole number followed by ms, s or m (1500ms, 3s), "
                    + "was '" + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static int intNumber(String flag, String value) {
        long n = number(flag, value);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(flag + " is out of range, was " + value);
        }
        return (int) n;
    }

    private static long number(String flag, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, was '" + value + "'");
        }
    }

    private static void hostPort(String what, String value, boolean portMayBeZero) {
        int colon = value == null ? -1 : value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(what + " must be host:port, was '" + value + "'");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be host:port with a numeric port, was '" + value + "'");
        }
        if (port < (portMayBeZero ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException(what + " has port " + port + ", outside [" + (portMayBeZero ? 0 : 1)
                    + ", 65535]");
        }
    }

    private static void port(String flag, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(flag + " must be in [0, 65535] (0 picks a free port), was " + port);
        }
    }

    private static void atLeast(String flag, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(flag + " must be >= " + min + ", was " + value);
        }
    }
}
