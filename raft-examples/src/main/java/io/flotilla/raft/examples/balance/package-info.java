/** The replicated account balance: Flotilla embedded in a host application through {@code RaftNode}. */
package io.flotilla.raft.examples.balance;
