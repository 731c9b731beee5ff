package io.flotilla.raft.examples.verification;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's three states, against an echo server: open forwards, cut resets and refuses, blackhole swallows. */
class LinkProxyTest {
    private ServerSocket echo;
    private LinkProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread copy = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // closed
                        }
                    });
                    copy.setDaemon(true);
                    copy.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        proxy = new LinkProxy(1, 2, echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(2000);
        return s;
    }

    private static int roundTrip(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    @Test
    void openForwardsBothWays() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 42)).isEqualTo(42);
        }
    }

    @Test
    void cutClosesConnectionsAndRefusesNewOnesUntilOpened() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 1)).isEqualTo(1);
            proxy.cut();
            assertThat(s.getInputStream().read()).as("closed by the cut").isEqualTo(-1);
        }
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).as("accepted, then closed at once").isEqualTo(-1);
        }
        proxy.open();
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 7)).isEqualTo(7);
        }
    }

    @Test
    void blackholeSwallowsBytesAndOpenClosesTheTaintedConnection() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 1)).isEqualTo(1);
            proxy.blackhole();
            s.setSoTimeout(300);
            assertThatThrownBy(() -> roundTrip(s, 2)).isInstanceOf(SocketTimeoutException.class);
            proxy.open();
            s.setSoTimeout(2000);
            assertThat(s.getInputStream().read()).as("a connection that lost bytes is closed on healing")
                    .isEqualTo(-1);
        }
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 3)).isEqualTo(3);
        }
    }
}
