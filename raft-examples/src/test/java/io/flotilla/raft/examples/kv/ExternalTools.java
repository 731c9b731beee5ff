package io.flotilla.raft.examples.kv;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Programs from Debian packages that some tests drive: {@code redis-cli}, {@code redis-benchmark} (redis-tools),
 * {@code redis-server} and {@code chromium}. {@code .ci/run} installs them and sets
 * {@code FLOTILLA_REQUIRE_TOOLS=true}, and then a missing tool fails the test; elsewhere the test is skipped with a
 * message saying what to install.
 */
final class ExternalTools {
    private ExternalTools() {
    }

    /** The program's path on {@code PATH}; fails or skips (see the class comment) if it is not there. */
    static Path require(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String message = program + " is not installed: apt-get install -y " + debianPackage
                + " (.ci/run installs it)";
        if ("true".equals(System.getenv("FLOTILLA_REQUIRE_TOOLS"))) {
            Assertions.fail(message + "; FLOTILLA_REQUIRE_TOOLS=true, so this test may not be skipped");
        }
        Assumptions.abort(message);
        return null;
    }

    /** What a finished program printed (standard output and error together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    /** Runs {@code command} to its end, or kills it after {@code timeout} (then fails). */
    static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the process was killed
            }
        }, "tool-output");
        reader.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(10_000);
            Assertions.fail(command.get(0) + " did not finish within " + timeout + "; it printed:\n"
                    + out.toString(StandardCharsets.UTF_8));
        }
        reader.join(10_000);
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
