package io.flotilla.raft.examples.kv;

import io.flotilla.raft.storage.rocksdb.RocksDbLogStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad flags and an unusable port end the {@code server} command with a clear message and exit code. */
class KvServerCommandLineTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String args) throws Exception {
        return KvServer.run(args.isEmpty() ? new String[0] : args.split(" "), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''                                                           | --id is required
            --id 4 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d | --id 4 must be one of the ids in --peers [1]
            --id 1 --peers 1:127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d | --peers must be id=host:port
            --id 1 --peers 1=localhost --client-port 0 --admin-port 0 --data-dir d | --peers entry 1 must be host:port, was 'localhost'
            --id one --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d | --id must be a whole number, was 'one'
            --id 1 --peers 1=127.0.0.1:7001 --client-port 70000 --admin-port 0 --data-dir d | --client-port must be in [0, 65535]
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d --request-timeout 5 | --request-timeout must be a whole number followed by ms, s or m
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d --max-command-bytes 99999999 | --max-command-bytes must be in
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d --tls-cert c.pem | --tls-cert, --tls-key and --tls-ca go together
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d --verbose yes | unknown flag --verbose
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir | --data-dir needs a value
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d --unsafe-local-reads true | --unsafe-local-reads is a test-only switch that makes reads stale
            --id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d --unsafe-local-reads | --unsafe-local-reads needs a value
            """)
    void badFlagsExitWithCode2AndSayWhatIsWrong(String args, String message) throws Exception {
        assertThat(run(args)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: " + message).contains("usage: server");
    }

    @Test
    void helpPrintsTheFlagsAndExitsWith0() throws Exception {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: server", "--request-timeout",
                "--max-arg-bytes", "--admin-peers", "--tls-cert").doesNotContain("unsafe");
    }

    @Test
    void unsafeLocalReadsIsOffUnlessSpelledOut() {
        String base = "--id 1 --peers 1=127.0.0.1:7001 --client-port 0 --admin-port 0 --data-dir d";
        assertThat(KvServerConfig.parse(base.split(" ")).unsafeLocalReads()).isFalse();
        assertThat(KvServerConfig.parse((base + " --unsafe-local-reads="
                + KvServerConfig.UNSAFE_LOCAL_READS_CONFIRMATION).split(" ")).unsafeLocalReads()).isTrue();
    }

    @Test
    void aTakenPortExitsWithCode1AndReleasesWhatItOpened(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int raft = KvCluster.freePorts(1)[0];
            int code = run("--id 1 --peers 1=127.0.0.1:" + raft + " --client-port " + taken.getLocalPort()
                    + " --admin-port 0 --data-dir " + dir + " --request-timeout 2s");
            assertThat(code).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: node 1 could not start")
                    .contains("Address already in use");
        }
        try (RocksDbLogStore log = RocksDbLogStore.open(dir.resolve("log"), RocksDbLogStore.Options.of(1, 1))) {
            assertThat(log.lastIndex()).as("the failed start closed the log again, so it opens").isNotNegative();
        }
    }
}
