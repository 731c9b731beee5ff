/**
 * The cluster benchmark ({@code java -jar flotilla-examples.jar bench}): a cluster of nodes on the RocksDB log and
 * the Netty transport, in one JVM or as OS processes, driven by closed-loop clients at the leader; throughput and
 * commit latency against the machine's floors. See docs/benchmarks.md.
 */
package io.flotilla.raft.examples.bench;
