package io.cfgserver.tests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on 127.0.0.1: every connection accepted on {@link #port()} is forwarded, byte for
 * byte, to a target port on 127.0.0.1. {@link #cut()} simulates a network partition on that path:
 * every relayed connection is closed and the listening socket too, so new connections are refused
 * until {@link #heal()} listens again on the same port. {@link #blackhole()} simulates a partition
 * that drops packets instead: nothing is refused or closed, every byte is dropped and new
 * connections are accepted and never served, so the other side sees only timeouts (as behind a
 * firewall that drops); {@link #heal()} then closes what lived through it (its streams lost bytes).
 *
 * <p>In front of a redis that was killed (not cut) the relay behaves like that process's host: a
 * new connection is accepted and closed at once (the relay's connect to the dead port is refused)
 * and a relayed connection closes when redis' side closes; nothing is left hanging. The failover
 * bench's kill rounds use no relay at all, so a killed redis refuses connections itself.
 *
 * <p>Two threads per relayed connection (blocking I/O): meant for the few connections of a test,
 * not for load.
 */
public final class TcpRelay implements AutoCloseable {
    private final int port;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile boolean closed;
    /** Blackholed: bytes are dropped, new connections held unserved. */
    private volatile boolean holed;
    private final Set<Socket> held = ConcurrentHashMap.newKeySet();

    private TcpRelay(int port, int targetPort) {
        this.port = port;
        this.targetPort = targetPort;
    }

    /** A relay on a free loopback port to 127.0.0.1:{@code targetPort}, accepting at once. */
    public static TcpRelay start(int targetPort) {
        TcpRelay relay = new TcpRelay(LoopbackPorts.next(), targetPort);
        relay.listen();
        return relay;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}: the address clients of the relay use. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public int targetPort() {
        return targetPort;
    }

    public boolean isCut() {
        return server == null;
    }

    /** Drops every relayed connection and stops listening (new connections are refused). */
    public synchronized void cut() {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            closeQuietly(s);
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    /**
     * Drops every byte both ways from now on and holds new connections open unserved: no refusal, no
     * close, only silence (a partition that drops packets). {@link #heal()} ends it.
     */
    public synchronized void blackhole() {
        holed = true;
    }

    /**
     * Ends a cut (listens again on the same port; a few attempts: the port is below the ephemeral
     * range) or a blackhole (closes every connection that lived through it: bytes were dropped).
     */
    public synchronized void heal() {
        if (holed) {
            holed = false;
            for (Socket socket : sockets) {
                closeQuietly(socket);
            }
            sockets.clear();
            for (Socket socket : held) {
                closeQuietly(socket);
            }
            held.clear();
        }
        if (server == null && !closed) {
            listen();
        }
    }

    private void listen() {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
                server = s;
                Thread acceptor = new Thread(() -> acceptLoop(s), "relay-" + port + "-accept");
                acceptor.setDaemon(true);
                acceptor.start();
                return;
            } catch (IOException e) {
                last = e;
                ChildProcesses.pause(java.time.Duration.ofMillis(20));
            }
        }
        throw new IllegalStateException("relay cannot listen on 127.0.0.1:" + port + ": " + last);
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return;   // closed by cut() or close()
            }
            if (holed) {
                held.add(client);   // accepted by the kernel anyway; never served
                continue;
            }
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 1000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            synchronized (this) {
                if (server != s) {   // cut meanwhile
                    closeQuietly(client);
                    closeQuietly(upstream);
                    return;
                }
                sockets.add(client);
                sockets.add(upstream);
            }
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (holed) {
                        continue;   // dropped
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // closed: by cut(), by the other pump, or by a peer
            } catch (IOException e) {
                // the same: one side is gone
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "relay-" + port + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        held.forEach(TcpRelay::closeQuietly);
        held.clear();
        cut();
    }

    @Override
    public String toString() {
        return "relay 127.0.0.1:" + port + " -> 127.0.0.1:" + targetPort + (isCut() ? " (cut)" : "");
    }
}
