package io.cfgserver.registry.controller;

/**
 * The ids stop-loss writes in logs and events, unique across clusters: {@code group-[demo/g1]},
 * {@code proxy-[demo/p1]}; instances are {@code instance-[host:port]} (an address is unique already).
 */
public final class Ids {
    private Ids() {
    }

    public static String group(String cluster, String group) {
        return "group-[" + cluster + "/" + group + "]";
    }

    public static String proxy(String cluster, String proxy) {
        return "proxy-[" + cluster + "/" + proxy + "]";
    }
}
