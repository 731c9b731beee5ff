/**
 * The durable Raft log on RocksDB: {@link io.flotilla.raft.storage.rocksdb.RocksDbLogStore}, a
 * {@link io.flotilla.raft.log.LogStore} that fsyncs when the core asks for durability, checksums every
 * entry (CRC32C, checked on every read), and validates the whole store when it opens — refusing to start,
 * with an error naming what and where, rather than run on a damaged or foreign log.
 *
 * <p>Public API: {@code RocksDbLogStore} and its {@code Options}; no RocksDB type appears in it. Everything
 * else here is package-private: the disk layout ({@code DiskFormat}), the open-time checks
 * ({@code LogRecovery}), the RocksDB options ({@code RocksDbSettings}) and the in-memory term index
 * ({@code TermRuns}). Entries and the hard state are encoded by raft-core's codecs ({@code EntryCodec},
 * {@code HardStateCodec}); this module has no protobuf code. See docs/storage.md for the layout, the
 * options chosen, the repair option and how the node runtime uses the store.
 */
package io.flotilla.raft.storage.rocksdb;
