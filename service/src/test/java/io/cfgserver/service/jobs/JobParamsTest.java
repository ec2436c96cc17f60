package io.cfgserver.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobParamsTest {
    static JobParams parse(String json) throws Exception {
        Map<String, JsonNode> m = Json.mapper().readValue(json,
                Json.mapper().getTypeFactory().constructMapType(Map.class, String.class, JsonNode.class));
        return new JobParams(m);
    }

    @Test
    void readsJsonValuesWithTypedAccessors() throws Exception {
        JobParams p = parse("{\"from\":0,\"to\":\"255\",\"target\":\"g2\",\"groups\":[{\"id\":\"g3\"}],\"none\":null}");
        assertThat(p.number("from", -1)).isZero();
        assertThat(p.number("to", -1)).as("digits in a string still count").isEqualTo(255);
        assertThat(p.number("absent", 7)).isEqualTo(7);
        assertThat(p.number("none", 7)).as("null is absent").isEqualTo(7);
        assertThat(p.requiredText("target", "")).isEqualTo("g2");
        assertThat(p.node("groups").orElseThrow().get(0).path("id").asText()).isEqualTo("g3");
        assertThat(p.asText()).containsEntry("from", "0").containsEntry("target", "g2")
                .containsEntry("groups", "[{\"id\":\"g3\"}]").containsEntry("none", "");
    }

    @Test
    void wrongTypesSayWhatToSend() throws Exception {
        JobParams p = parse("{\"from\":1.5,\"to\":\"ten\",\"target\":[\"g2\"],\"blank\":\" \"}");
        assertThatThrownBy(() -> p.number("from", 0)).isInstanceOf(JobException.class)
                .hasMessageContaining("params.from must be a whole number, got 1.5");
        assertThatThrownBy(() -> p.number("to", 0)).hasMessageContaining("params.to must be a whole number, got \"ten\"");
        assertThatThrownBy(() -> p.text("target")).hasMessageContaining("params.target must be a string, got [\"g2\"]");
        assertThatThrownBy(() -> p.requiredText("blank", "{\"blank\":\"x\"}"))
                .hasMessageContaining("params.blank is missing: {\"blank\":\"x\"}");
    }
}
