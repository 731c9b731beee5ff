package io.flotilla.raft.transport.netty;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The two TLS contexts of a transport, built once from its {@link TlsConfig}: the acceptor's, which requires a client
 * certificate, and the dialer's, which presents one. Both use the JDK's TLS (no native library), TLS 1.3 or 1.2,
 * and trust only the configured CA certificates. Immutable; thread-safe.
 */
final class Tls {
    static final String HANDLER = "tls";
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SslContext server;
    private final SslContext client;
    private final long handshakeTimeoutMillis;

    private Tls(SslContext server, SslContext client, Duration handshakeTimeout) {
        this.server = server;
        this.client = client;
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
    }

    /**
     * Loads the PEM files.
     *
     * @throws IllegalArgumentException naming the files, if they do not hold a usable certificate, key or CA
     */
    static Tls load(TlsConfig config, Duration handshakeTimeout) {
        try {
            SslContext server = SslContextBuilder
                    .forServer(config.certificateChain().toFile(), config.privateKey().toFile())
                    .trustManager(config.trustedCertificates().toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(config.certificateChain().toFile(), config.privateKey().toFile())
                    .trustManager(config.trustedCertificates().toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .build();
            return new Tls(server, client, handshakeTimeout);
        } catch (Exception e) { // SSLException, or IllegalArgumentException from the PEM readers
            throw new IllegalArgumentException("tls: cannot use certificateChain=" + config.certificateChain()
                    + ", privateKey=" + config.privateKey() + ", trustedCertificates="
                    + config.trustedCertificates() + " (PEM, key in unencrypted PKCS#8): " + e.getMessage(), e);
        }
    }

    SslHandler serverHandler(Channel ch) {
        return withTimeout(server.newHandler(ch.alloc()));
    }

    SslHandler clientHandler(Channel ch) {
        return withTimeout(client.newHandler(ch.alloc()));
    }

    private SslHandler withTimeout(SslHandler handler) {
        handler.setHandshakeTimeout(handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        return handler;
    }
}
