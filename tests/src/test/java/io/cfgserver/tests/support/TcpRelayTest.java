package io.cfgserver.tests.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

/** The relay's faults: a cut refuses, a blackhole only goes silent, and a dead target is never left hanging. */
class TcpRelayTest {
    /** An echo server on loopback, one thread per connection. */
    static ServerSocket echo() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    Thread e = new Thread(() -> {
                        try (c) {
                            c.getInputStream().transferTo(c.getOutputStream());
                        } catch (IOException ignored) {
                            // closed
                        }
                    });
                    e.setDaemon(true);
                    e.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return s;
    }

    static Socket connect(TcpRelay relay) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()), 1000);
        s.setSoTimeout(300);
        return s;
    }

    static int roundTrip(Socket s) throws IOException {
        s.getOutputStream().write('x');
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    @Test
    void aBlackholeDropsBytesAndRefusesNothingUntilHealed() throws Exception {
        try (ServerSocket target = echo(); TcpRelay relay = TcpRelay.start(target.getLocalPort())) {
            Socket before = connect(relay);
            assertThat(roundTrip(before)).isEqualTo('x');

            relay.blackhole();
            assertThatThrownBy(() -> roundTrip(before)).isInstanceOf(SocketTimeoutException.class);
            Socket during = connect(relay);   // accepted, never served
            assertThatThrownBy(() -> roundTrip(during)).isInstanceOf(SocketTimeoutException.class);

            relay.heal();
            for (Socket lived : new Socket[] {before, during}) {
                InputStream in = lived.getInputStream();
                try {
                    assertThat(in.read()).isEqualTo(-1);
                } catch (IOException closed) {
                    // reset: closed as well
                }
            }
            try (Socket after = connect(relay)) {
                assertThat(roundTrip(after)).isEqualTo('x');
            }
        }
    }

    @Test
    void aCutRefusesNewConnectionsAndClosesOpenOnes() throws Exception {
        try (ServerSocket target = echo(); TcpRelay relay = TcpRelay.start(target.getLocalPort())) {
            Socket before = connect(relay);
            assertThat(roundTrip(before)).isEqualTo('x');
            relay.cut();
            assertThat(closedAtOnce(before)).isTrue();
            // closing a listening socket that a thread is blocked accepting on completes a moment later
            long deadline = System.nanoTime() + 1_000_000_000L;
            boolean refused = false;
            while (!refused && System.nanoTime() < deadline) {
                try (Socket s = connect(relay)) {
                    assertThat(closedAtOnce(s)).isTrue();   // accepted in that moment: closed at once
                } catch (java.net.ConnectException e) {
                    refused = true;
                } catch (java.net.SocketException e) {
                    // queued on the listener as it closed: reset, not refused; try again
                }
            }
            assertThat(refused).isTrue();
            relay.heal();
            try (Socket after = connect(relay)) {
                assertThat(roundTrip(after)).isEqualTo('x');
            }
        }
    }

    @Test
    void inFrontOfADeadTargetNothingHangs() throws Exception {
        ServerSocket target = echo();
        try (TcpRelay relay = TcpRelay.start(target.getLocalPort())) {
            Socket before = connect(relay);
            assertThat(roundTrip(before)).isEqualTo('x');
            target.close();   // the process behind it is gone: its port refuses (once the close has completed)
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (LoopbackPorts.accepting(target.getLocalPort()) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // a new connection is accepted by the relay and closed at once
            try (Socket after = connect(relay)) {
                assertThat(closedAtOnce(after)).isTrue();
            }
        }
    }

    /** EOF or a reset: closed, never hanging (the socket's read timeout would throw instead). */
    static boolean closedAtOnce(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }
}
