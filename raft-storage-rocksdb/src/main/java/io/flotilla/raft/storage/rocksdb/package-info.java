/**
 * The durable Raft log on RocksDB (work in progress: see the project's issue on the RocksDB log store).
 * The module's build and native library loading are verified by its tests.
 */
package io.flotilla.raft.storage.rocksdb;
