package io.cfgserver.registry.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.RegistryState;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every command the sealed interface permits has a handler (a rejection is fine: no
 * "no handler" failure) and survives a JSON round trip (the Raft log and snapshots use JSON).
 */
class EveryCommandTest {
    static Object sample(Class<?> type, Type generic) {
        if (type == String.class) {
            return "g1";
        } else if (type == int.class || type == Integer.class) {
            return 1;
        } else if (type == long.class || type == Long.class) {
            return 1L;
        } else if (type == boolean.class || type == Boolean.class) {
            return false;
        } else if (type == double.class) {
            return 0.5;
        } else if (type == Address.class) {
            return Address.parse("127.0.0.1:7001");
        } else if (type == Policy.class) {
            return Policy.defaults();
        } else if (type == List.class) {
            return List.of();
        } else if (type == Map.class) {
            return Map.of();
        } else if (type.isEnum()) {
            return type.getEnumConstants()[0];
        } else if (type.isRecord()) {
            return instance(type);
        }
        throw new AssertionError("no sample value for " + type + " (" + generic + "): add one");
    }

    static Object instance(Class<?> record) {
        RecordComponent[] cs = record.getRecordComponents();
        Class<?>[] types = new Class<?>[cs.length];
        Object[] values = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            types[i] = cs[i].getType();
            values[i] = sample(cs[i].getType(), cs[i].getGenericType() instanceof ParameterizedType p ? p : null);
        }
        try {
            Constructor<?> ctor = record.getDeclaredConstructor(types);
            return ctor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot build a " + record.getSimpleName() + ": " + e, e);
        }
    }

    @Test
    void everyCommandHasAHandlerAndSurvivesAJsonRoundTrip() throws Exception {
        RegistryState demo = TransitionsTest.demo();
        Class<?>[] permitted = Command.class.getPermittedSubclasses();
        assertThat(permitted).hasSizeGreaterThanOrEqualTo(24);
        for (Class<?> type : permitted) {
            Command c = (Command) instance(type);
            Transitions.Outcome o = Transitions.apply(demo, c);
            assertThat(o).as("%s", type.getSimpleName()).isNotNull();
            String json = Json.mapper().writeValueAsString(c);
            assertThat(json).as("type name of %s", type.getSimpleName()).contains("\"type\":\"" + type.getSimpleName() + "\"");
            assertThat(Json.mapper().readValue(json, Command.class)).as("round trip of %s", json).isEqualTo(c);
        }
    }
}
