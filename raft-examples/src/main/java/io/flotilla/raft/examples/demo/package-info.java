/** The introductory demo: a simulated three-node cluster of pure Raft cores. */
package io.flotilla.raft.examples.demo;
