package io.cfgserver.activities.migration;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which arguments of a command are keys, from the instance's own {@code COMMAND} table (first key,
 * last key, step; subcommands of container commands such as {@code XGROUP CREATE} by their own
 * entry). Commands whose keys move ({@code movablekeys}: {@code ZUNIONSTORE}, {@code SORT ... STORE},
 * ...) are asked of the instance with {@code COMMAND GETKEYS}. A command the table does not know is
 * an error: the capture must never let a write pass unseen.
 */
final class CommandTable {
    /** One entry of {@code COMMAND}. */
    record Spec(String name, int arity, boolean write, boolean movable, int first, int last, int step) {
    }

    /** No command of that name in the instance's table. */
    static final class UnknownCommandException extends RuntimeException {
        UnknownCommandException(String message) {
            super(message);
        }
    }

    private final Map<String, Spec> specs;
    private final Function<List<byte[]>, List<byte[]>> getKeys;

    CommandTable(Map<String, Spec> specs, Function<List<byte[]>, List<byte[]>> getKeys) {
        this.specs = Map.copyOf(specs);
        this.getKeys = getKeys;
    }

    /** Parses the reply of {@code COMMAND} (Jedis' raw reply: nested lists of byte[] and Long). */
    static Map<String, Spec> parse(Object reply) {
        Map<String, Spec> out = new HashMap<>();
        for (Object o : (List<?>) reply) {
            add(out, (List<?>) o, null);
        }
        return out;
    }

    private static void add(Map<String, Spec> out, List<?> e, String parent) {
        String name = str(e.get(0)).toLowerCase(Locale.ROOT);
        int arity = ((Long) e.get(1)).intValue();
        boolean write = false;
        boolean movable = false;
        for (Object f : (List<?>) e.get(2)) {
            String flag = str(f);
            write |= flag.equals("write");
            movable |= flag.equals("movablekeys");
        }
        out.put(name, new Spec(name, arity, write, movable, ((Long) e.get(3)).intValue(), ((Long) e.get(4)).intValue(),
                ((Long) e.get(5)).intValue()));
        if (parent == null && e.size() > 9 && e.get(9) instanceof List<?> subs) {
            for (Object s : subs) {
                add(out, (List<?>) s, name);
            }
        }
    }

    private static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    /** The entry for this command (a container's subcommand by {@code container|sub}). */
    Spec spec(List<byte[]> args) {
        String name = RespReader.text(args.get(0)).toLowerCase(Locale.ROOT);
        if (args.size() > 1) {
            Spec sub = specs.get(name + "|" + RespReader.text(args.get(1)).toLowerCase(Locale.ROOT));
            if (sub != null) {
                return sub;
            }
        }
        return Optional.ofNullable(specs.get(name)).orElseThrow(() -> new UnknownCommandException(
                "command '" + name + "' is not in the instance's COMMAND table: its keys cannot be known"));
    }

    /** The key arguments of {@code args}. */
    List<byte[]> keys(List<byte[]> args) {
        Spec s = spec(args);
        if (s.movable()) {
            return getKeys.apply(args);
        }
        List<byte[]> keys = new ArrayList<>();
        if (s.first() <= 0) {
            return keys;
        }
        int last = s.last() < 0 ? args.size() + s.last() : s.last();
        int step = Math.max(1, s.step());
        for (int i = s.first(); i <= last && i < args.size(); i += step) {
            keys.add(args.get(i));
        }
        return keys;
    }
}
