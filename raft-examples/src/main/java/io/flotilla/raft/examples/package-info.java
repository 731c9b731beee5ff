/** Runnable examples of embedding Flotilla. Start with {@link io.flotilla.raft.examples.Main}. */
package io.flotilla.raft.examples;
