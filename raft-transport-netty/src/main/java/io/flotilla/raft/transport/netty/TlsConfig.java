package io.flotilla.raft.transport.netty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Mutual TLS for a {@link NettyTransport}: every connection, in and out, is TLS, each side presents its certificate
 * and accepts only a peer whose certificate chains to {@code trustedCertificates}. Immutable; the files are checked
 * to be readable when the record is built and read when the transport starts.
 *
 * <p>The peer's host name is not checked against its certificate: membership is "holds a key certified by the
 * cluster's CA", so give that CA to cluster members only. See docs/transport.md for a setup with openssl.
 *
 * @param certificateChain    PEM file with this node's certificate, then any intermediates
 * @param privateKey          PEM file with this node's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
 * @param trustedCertificates PEM file with the CA certificate(s) that sign the cluster's members; nothing else is
 *                            trusted (not the JDK's default CAs)
 */
public record TlsConfig(Path certificateChain, Path privateKey, Path trustedCertificates) {
    public TlsConfig {
        readable("certificateChain", certificateChain);
        readable("privateKey", privateKey);
        readable("trustedCertificates", trustedCertificates);
    }

    private static void readable(String field, Path path) {
        Objects.requireNonNull(path, field);
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(field + " must be a readable PEM file, was " + path);
        }
    }
}
