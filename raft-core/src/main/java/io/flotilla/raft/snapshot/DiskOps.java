package io.flotilla.raft.snapshot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/** The file-system steps {@link FileSnapshotStore} is built from: durable writes, directory fsync, deletion. */
final class DiskOps {
    private static final Logger LOG = LoggerFactory.getLogger(DiskOps.class);
    /** Windows cannot open a directory as a channel; NTFS journals directory changes itself. */
    private static final boolean WINDOWS =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private DiskOps() {
    }

    /** Creates {@code file} (which must not exist) holding {@code bytes}, and fsyncs it. */
    static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    /**
     * Fsyncs a directory, making the creation, rename and deletion of its entries durable (a rename is only
     * durable once the directory holding it is synced).
     */
    static void syncDirectory(Path dir) throws IOException {
        if (WINDOWS) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Deletes {@code path} and, if it is a directory, everything in it; the file named {@code first} in it goes
     * first (a snapshot's meta, so that a deletion cut short leaves a directory that reads as incomplete, never
     * as a snapshot with missing data). A missing path is not an error.
     */
    static void deleteRecursively(Path path, String first) throws IOException {
        if (first != null) {
            Files.deleteIfExists(path.resolve(first));
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    /** {@link #deleteRecursively}, logging instead of throwing: for clean-ups that the next open retries. */
    static void deleteQuietly(Path path, String first) {
        try {
            deleteRecursively(path, first);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete {} (it is retried when the store is opened again)", path, e);
        }
    }
}
