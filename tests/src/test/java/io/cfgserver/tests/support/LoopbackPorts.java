package io.cfgserver.tests.support;

import io.cfgserver.testing.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Loopback ports for processes a test starts: allocation is {@link FreePorts}' (one set per JVM). */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A free loopback port, from the test code's one allocator ({@link FreePorts}). */
    public static int next() {
        return FreePorts.next();
    }

    /** True when something accepts TCP connections on 127.0.0.1:{@code port}. */
    public static boolean accepting(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
