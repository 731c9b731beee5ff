/**
 * The messages Raft nodes exchange: records in one sealed interface, each with only its own fields.
 * They are plain Java values; their wire encoding lives in {@code io.flotilla.raft.codec}.
 */
package io.flotilla.raft.message;
