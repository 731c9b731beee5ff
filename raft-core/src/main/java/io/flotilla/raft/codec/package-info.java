/**
 * The wire and disk encodings of Raft's values: {@link io.flotilla.raft.codec.MessageCodec} for the
 * messages a transport carries, {@link io.flotilla.raft.codec.EntryCodec} and
 * {@link io.flotilla.raft.codec.HardStateCodec} for what a log store keeps,
 * {@link io.flotilla.raft.codec.SnapshotMetaCodec} for what a snapshot store keeps.
 *
 * <p>The formats are protocol buffers, defined in {@code flotilla/raft/v1/raft.proto} and generated
 * into {@code io.flotilla.raft.codec.proto} at build time. This is the only package that touches
 * protobuf: its public API speaks only Flotilla's records and {@code byte[]}, and an architecture
 * test keeps protobuf out of every other package.
 *
 * <p>Decoding never trusts its input: any bytes that do not describe a valid value, whether garbage,
 * truncated, of an unknown kind, or with fields the records' constructors reject, raise
 * {@link io.flotilla.raft.codec.CodecException} and nothing else, so that bad input from the network
 * or a damaged disk never crashes a node with an unexpected exception.
 */
package io.flotilla.raft.codec;
