package io.flotilla.raft.storage.rocksdb;

import io.flotilla.raft.codec.CodecException;
import io.flotilla.raft.codec.EntryCodec;
import io.flotilla.raft.codec.HardStateCodec;
import io.flotilla.raft.log.Entry;
import io.flotilla.raft.log.HardState;
import io.flotilla.raft.log.LogStoreException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of a {@link RocksDbLogStore}, format version {@value #FORMAT_VERSION}: column family
 * names, keys, and how values are framed. Nothing here touches RocksDB; the store and its tests use it to
 * build and check the bytes.
 *
 * <pre>
 * column family "flotilla-entries": key = index as 8 bytes big-endian (so keys sort in index order)
 *                                    value = frame(EntryRecord, protobuf via EntryCodec)
 * column family "flotilla-meta":     "format_version" = frame(8-byte long)   written once, at creation
 *                                    "cluster_id"     = frame(8-byte long)   written once
 *                                    "node_id"        = frame(8-byte long)   written once
 *                                    "hard_state"     = frame(HardStateRecord via HardStateCodec), absent = EMPTY
 *                                    "log_start"      = frame(index, term of the last compacted entry, or of
 *                                                      the last entry of an installed snapshot), absent = (0, 0)
 * frame(body) = CRC32C(key || body) as 4 bytes big-endian, then body
 * </pre>
 *
 * <p>The checksum covers the key as well as the body, so a value that lands under the wrong key (a
 * misdirected write) fails the check just like a flipped bit. RocksDB checksums its own blocks and WAL
 * records too; this one is end to end, from the encoder to the decoder, and independent of RocksDB.
 *
 * <p>Stateless; safe to call from any thread.
 */
final class DiskFormat {
    /** The layout described above. Bump it, and keep a reader for the old one, if anything here changes. */
    static final long FORMAT_VERSION = 1;

    static final String ENTRIES_CF = "flotilla-entries";
    static final String META_CF = "flotilla-meta";

    static final byte[] FORMAT_VERSION_KEY = ascii("format_version");
    static final byte[] CLUSTER_ID_KEY = ascii("cluster_id");
    static final byte[] NODE_ID_KEY = ascii("node_id");
    static final byte[] HARD_STATE_KEY = ascii("hard_state");
    static final byte[] LOG_START_KEY = ascii("log_start");

    static final int CHECKSUM_BYTES = 4;
    static final int INDEX_KEY_BYTES = 8;

    private DiskFormat() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String keyName(byte[] metaKey) {
        return new String(metaKey, StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ entries

    /** The key of the entry at {@code index}: 8 bytes big-endian, so byte order is index order. */
    static byte[] entryKey(long index) {
        return ByteBuffer.allocate(INDEX_KEY_BYTES).putLong(index).array();
    }

    /** The index named by an entry key; {@code -1} if the key is not 8 bytes long (damage). */
    static long indexOf(byte[] key) {
        return key.length == INDEX_KEY_BYTES ? ByteBuffer.wrap(key).getLong() : -1;
    }

    /** Above every entry key: a range delete up to it deletes every entry (no index reaches {@code Long.MAX_VALUE}). */
    static final byte[] ENTRY_KEYS_END = entryKey(Long.MAX_VALUE);

    /** The stored value of an entry. */
    static byte[] entryValue(Entry entry) {
        return frame(entryKey(entry.index()), EntryCodec.encode(entry));
    }

    /**
     * Checks and decodes the entry stored under {@code key}.
     *
     * @param where names the store, for the error message
     * @throws LogStoreException if the checksum does not match, the record does not decode, or it names a
     *                           different index than its key
     */
    static Entry decodeEntry(byte[] key, byte[] value, String where) {
        long index = indexOf(key);
        String what = "the entry at index " + index;
        byte[] body = unframe(key, value, what, where);
        Entry entry;
        try {
            entry = EntryCodec.decode(body);
        } catch (CodecException e) {
            throw damaged(where, what + " passes its checksum but does not decode: " + e.getMessage(), e);
        }
        if (entry.index() != index) {
            throw damaged(where, what + " holds an entry for index " + entry.index());
        }
        return entry;
    }

    // ------------------------------------------------------------------ metadata

    static byte[] longValue(byte[] key, long value) {
        return frame(key, ByteBuffer.allocate(8).putLong(value).array());
    }

    static long decodeLong(byte[] key, byte[] value, String where) {
        String what = "the metadata record '" + keyName(key) + "'";
        byte[] body = unframe(key, value, what, where);
        if (body.length != 8) {
            throw damaged(where, what + " has " + body.length + " bytes, expected 8");
        }
        return ByteBuffer.wrap(body).getLong();
    }

    static byte[] hardStateValue(HardState state) {
        return frame(HARD_STATE_KEY, HardStateCodec.encode(state));
    }

    static HardState decodeHardState(byte[] value, String where) {
        String what = "the hard state";
        byte[] body = unframe(HARD_STATE_KEY, value, what, where);
        try {
            return HardStateCodec.decode(body);
        } catch (CodecException e) {
            throw damaged(where, what + " passes its checksum but does not decode: " + e.getMessage(), e);
        }
    }

    /**
     * Where the retained log starts: the index and term of the entry before it, the last compacted one or the
     * last one of an installed snapshot (0, 0 if none).
     */
    record LogStart(long index, long term) {
        static final LogStart NONE = new LogStart(0, 0);
    }

    static byte[] logStartValue(LogStart start) {
        return frame(LOG_START_KEY, ByteBuffer.allocate(16).putLong(start.index()).putLong(start.term()).array());
    }

    static LogStart decodeLogStart(byte[] value, String where) {
        String what = "the log-start record 'log_start'";
        byte[] body = unframe(LOG_START_KEY, value, what, where);
        if (body.length != 16) {
            throw damaged(where, what + " has " + body.length + " bytes, expected 16");
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        long index = b.getLong();
        long term = b.getLong();
        if (index < 0 || term < 0 || (index == 0) != (term == 0)) {
            throw damaged(where, what + " names index " + index + " with term " + term);
        }
        return new LogStart(index, term);
    }

    // ------------------------------------------------------------------ framing

    /** {@code CRC32C(key || body)} as 4 bytes big-endian, then {@code body}. */
    static byte[] frame(byte[] key, byte[] body) {
        byte[] value = new byte[CHECKSUM_BYTES + body.length];
        ByteBuffer.wrap(value).putInt(checksum(key, body, 0, body.length));
        System.arraycopy(body, 0, value, CHECKSUM_BYTES, body.length);
        return value;
    }

    /** The body of a framed value, after checking its checksum. */
    static byte[] unframe(byte[] key, byte[] value, String what, String where) {
        if (value.length < CHECKSUM_BYTES) {
            throw damaged(where, what + " is " + value.length + " bytes long, shorter than its checksum");
        }
        int stored = ByteBuffer.wrap(value).getInt();
        int computed = checksum(key, value, CHECKSUM_BYTES, value.length - CHECKSUM_BYTES);
        if (stored != computed) {
            throw damaged(where, what + " fails its CRC32C check (stored " + hex(stored) + ", computed "
                    + hex(computed) + ", " + value.length + " bytes)");
        }
        byte[] body = new byte[value.length - CHECKSUM_BYTES];
        System.arraycopy(value, CHECKSUM_BYTES, body, 0, body.length);
        return body;
    }

    private static int checksum(byte[] key, byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static String hex(int crc) {
        return String.format("0x%08x", crc);
    }

    static LogStoreException damaged(String where, String what) {
        return new LogStoreException(where + " is damaged: " + what);
    }

    static LogStoreException damaged(String where, String what, Throwable cause) {
        return new LogStoreException(where + " is damaged: " + what, cause);
    }
}
