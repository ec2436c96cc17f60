package io.cfgserver.service.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.service.auth.Caller;
import io.cfgserver.service.auth.Role;
import io.cfgserver.service.auth.TokenStore;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.dropwizard.jetty.HttpsConnectorFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The peer configs in deploy/local parse and validate as the service reads them (defaults substituted). */
class ExampleConfigsTest {
    static CfgServerConfiguration load(String file) throws Exception {
        YamlConfigurationFactory<CfgServerConfiguration> factory = new YamlConfigurationFactory<>(
                CfgServerConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
        return factory.build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(),
                new EnvironmentVariableSubstitutor(false)), Path.of("..", "deploy", "local").resolve(file).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"peer1.yml", "peer2.yml", "peer3.yml"})
    void thePlainDemoPeersHaveNoTls(String file) throws Exception {
        CfgServerConfiguration c = load(file);
        assertThat(c.registry.tls).isNull();
        assertThat(((DefaultServerFactory) c.getServerFactory()).getApplicationConnectors().get(0))
                .isNotInstanceOf(HttpsConnectorFactory.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tls/peer1.yml", "tls/peer2.yml", "tls/peer3.yml"})
    void theTlsDemoPeersUseHttpsAndRaftTlsFromRunTls(String file) throws Exception {
        CfgServerConfiguration c = load(file);
        String id = c.registry.peerId;
        assertThat(c.registry.tls.certFile).isEqualTo("./run/tls/" + id + ".pem");
        assertThat(c.registry.tls.keyFile).isEqualTo("./run/tls/" + id + "-key.pem");
        assertThat(c.registry.tls.caFile).isEqualTo("./run/tls/ca.pem");
        DefaultServerFactory server = (DefaultServerFactory) c.getServerFactory();
        for (var connector : java.util.List.of(server.getApplicationConnectors().get(0), server.getAdminConnectors().get(0))) {
            HttpsConnectorFactory https = (HttpsConnectorFactory) connector;
            assertThat(https.getKeyStorePath()).isEqualTo("./run/tls/" + id + ".p12");
            assertThat(https.getKeyStoreType()).isEqualTo("PKCS12");
            assertThat(https.getBindHost()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void theTlsDemoKeepsThePlainDemosPorts() throws Exception {
        for (int i = 1; i <= 3; i++) {
            CfgServerConfiguration plain = load("peer" + i + ".yml");
            CfgServerConfiguration tls = load("tls/peer" + i + ".yml");
            assertThat(port(tls)).isEqualTo(port(plain));
            assertThat(tls.registry.peers).extracting(p -> p.address)
                    .isEqualTo(plain.registry.peers.stream().map(p -> p.address).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"peer1.yml", "peer2.yml", "peer3.yml", "tls/peer1.yml", "tls/peer2.yml", "tls/peer3.yml"})
    void theDemoTokensHaveTheRolesTheReadmeNames(String file) throws Exception {
        TokenStore tokens = TokenStore.from(load(file).auth);
        assertThat(tokens.lookup("local-viewer-token").map(Caller::role)).contains(Role.VIEWER);
        assertThat(tokens.lookup("local-operator-token").map(Caller::role)).contains(Role.OPERATOR);
        assertThat(tokens.lookup("local-dev-token").map(Caller::role)).contains(Role.ADMIN);
        assertThat(tokens.lookup("local-proxy-p1-token").map(Caller::role)).contains(Role.PROXY);
        assertThat(tokens.lookup("local-proxy-p1-token").get().speaksFor("demo", "p1")).isTrue();
        assertThat(tokens.lookup("local-proxy-p1-token").get().speaksFor("demo", "p2")).isFalse();
        assertThat(tokens.lookup("local-proxy-p2-token").get().speaksFor("demo", "p2")).isTrue();
        assertThat(tokens.anonymousReads()).isFalse();
    }

    static int port(CfgServerConfiguration c) {
        return ((io.dropwizard.jetty.HttpConnectorFactory) ((DefaultServerFactory) c.getServerFactory())
                .getApplicationConnectors().get(0)).getPort();
    }
}
