package io.cfgserver.service.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.service.config.AuthConfig;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.io.File;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RolesTest {
    static String hash(String token) {
        return HexFormat.of().formatHex(TokenStore.sha256(token));
    }

    static AuthConfig config(AuthConfig.User... users) {
        AuthConfig c = new AuthConfig();
        c.users = new ArrayList<>(List.of(users));
        return c;
    }

    /** Every resource class of the api package, found on the class path. */
    static List<Class<?>> resourceClasses() throws Exception {
        File dir = new File(io.cfgserver.service.api.ApiError.class.getResource("ApiError.class").toURI()).getParentFile();
        List<Class<?>> out = new ArrayList<>();
        for (File f : dir.listFiles()) {
            String n = f.getName();
            if (n.endsWith(".class") && !n.contains("$")) {
                Class<?> c = Class.forName("io.cfgserver.service.api." + n.substring(0, n.length() - 6));
                if (c.isAnnotationPresent(Path.class)) {
                    out.add(c);
                }
            }
        }
        out.add(io.cfgserver.service.openapi.OpenApiResource.class);
        return out;
    }

    static boolean isResourceMethod(Method m) {
        return m.isAnnotationPresent(GET.class) || m.isAnnotationPresent(POST.class) || m.isAnnotationPresent(PUT.class)
                || m.isAnnotationPresent(DELETE.class) || m.isAnnotationPresent(PATCH.class);
    }

    @Test
    void everyResourceMethodDeclaresItsRolesAndStateChangesNeedMoreThanViewer() throws Exception {
        List<Class<?>> classes = resourceClasses();
        assertThat(classes).hasSizeGreaterThan(10);
        Map<String, List<String>> table = new TreeMap<>();
        for (Class<?> c : classes) {
            for (Method m : c.getDeclaredMethods()) {
                if (!isResourceMethod(m)) {
                    continue;
                }
                List<String> roles = RoleCheck.allowedRoles(m, c);
                String name = c.getSimpleName() + "." + m.getName();
                assertThat(roles).as(name + " must have @RolesAllowed or @PermitAll").isNotEqualTo(List.of());
                table.put(name, roles);
                boolean readOnly = m.isAnnotationPresent(GET.class) || name.equals("PlansResource.plan");
                if (!readOnly) {
                    assertThat(roles).as(name + " changes state: viewer must not be enough").isNotNull()
                            .doesNotContain(Role.VIEWER_NAME);
                }
            }
        }
        // the proxy role reaches only what an agent needs: its lease, its cluster's topology, events
        assertThat(table.entrySet().stream().filter(e -> e.getValue() != null && e.getValue().contains(Role.PROXY_NAME))
                .map(Map.Entry::getKey).toList()).containsExactlyInAnyOrder("ClustersResource.watch",
                "ClustersResource.addEvent", "ProxiesResource.renew", "ProxiesResource.nutcrackerConfig");
        // forced slot assignment, cluster creation and registry membership are the admin's
        assertThat(table.get("SlotsResource.assign")).containsExactly(Role.ADMIN_NAME);
        assertThat(table.get("RegistryResource.addPeer")).containsExactly(Role.ADMIN_NAME);
        assertThat(table.get("ClustersResource.create")).containsExactly(Role.ADMIN_NAME);
        assertThat(table.get("GroupsResource.switchover")).containsExactly(Role.OPERATOR_NAME);
    }

    @Test
    void rolesFormAHierarchyAndProxyStandsApart() {
        assertThat(Role.ADMIN.holds(Role.OPERATOR)).isTrue();
        assertThat(Role.ADMIN.holds(Role.VIEWER)).isTrue();
        assertThat(Role.OPERATOR.holds(Role.ADMIN)).isFalse();
        assertThat(Role.VIEWER.holds(Role.OPERATOR)).isFalse();
        assertThat(Role.PROXY.holds(Role.VIEWER)).isFalse();
        assertThat(Role.ADMIN.holds(Role.PROXY)).isFalse();
    }

    @Test
    void aProxyTokenSpeaksOnlyForItsOwnProxies() {
        Caller p1 = new Caller("agent-p1", Role.PROXY, List.of("demo/p1"));
        Caller all = new Caller("agents", Role.PROXY, List.of("demo/*"));
        assertThat(p1.speaksFor("demo", "p1")).isTrue();
        assertThat(p1.speaksFor("demo", "p2")).isFalse();
        assertThat(p1.speaksFor("other", "p1")).isFalse();
        assertThat(p1.speaksFor("demo", null)).isTrue();
        assertThat(all.speaksFor("demo", "p9")).isTrue();
        assertThat(new Caller("ops", Role.ADMIN, List.of()).speaksFor("demo", "p1")).isFalse();
    }

    @Test
    void looksUpTokensByTheirHashOnly() {
        TokenStore store = TokenStore.from(config(new AuthConfig.User("alice", "operator", hash("s3cret"), null),
                new AuthConfig.User("agent", "proxy", hash("agent-token"), List.of("demo/*"))));
        assertThat(store.lookup("s3cret")).map(Caller::name).contains("alice");
        assertThat(store.lookup("s3cret").get().role()).isEqualTo(Role.OPERATOR);
        assertThat(store.lookup("agent-token").get().proxies()).containsExactly("demo/*");
        assertThat(store.lookup("s3cret ")).isEmpty();
        assertThat(store.lookup("")).isEmpty();
        assertThat(store.enabled()).isTrue();
        assertThat(store.anonymousReads()).isFalse();
    }

    @Test
    void theSharedTokenIsAnAdminAndKeepsReadsOpenAsBefore() {
        AuthConfig c = new AuthConfig();
        c.token = "local-dev-token";
        TokenStore store = TokenStore.from(c);
        assertThat(store.lookup("local-dev-token").get().role()).isEqualTo(Role.ADMIN);
        assertThat(store.anonymousReads()).isTrue();
        assertThat(TokenStore.from(new AuthConfig()).enabled()).isFalse();
    }

    @Test
    void refusesUsersThatCannotWork() {
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "root", hash("x"), null))))
                .hasMessageContaining("not one of viewer, operator, admin, proxy");
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "viewer", "abc", null))))
                .hasMessageContaining("sha256sum");
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "proxy", hash("x"), null))))
                .hasMessageContaining("no proxies");
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "viewer", hash("x"), List.of("demo/p1")))))
                .hasMessageContaining("only proxy tokens are scoped");
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "proxy", hash("x"), List.of("demo")))))
                .hasMessageContaining("cluster/proxyId");
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "viewer", hash("x"), null),
                new AuthConfig.User("b", "admin", hash("x"), null)))).hasMessageContaining("same token");
        assertThatThrownBy(() -> TokenStore.from(config(new AuthConfig.User("a", "viewer", hash("x"), null),
                new AuthConfig.User("a", "admin", hash("y"), null)))).hasMessageContaining("listed twice");
    }

    @Test
    void readsMoreUsersFromAFile() throws Exception {
        java.nio.file.Path f = Files.createTempFile("users", ".yml");
        Files.writeString(f, "- {name: bob, role: admin, tokenSha256: \"" + hash("bob-token") + "\"}\n");
        AuthConfig c = config();
        c.usersFile = f.toString();
        assertThat(TokenStore.from(c).lookup("bob-token").get().name()).isEqualTo("bob");
        Files.writeString(f, "- {name: bob, role: admin, token: plain}\n");
        assertThatThrownBy(() -> TokenStore.from(c)).hasMessageContaining("not a YAML list of users");
        c.usersFile = f + ".missing";
        assertThatThrownBy(() -> TokenStore.from(c)).hasMessageContaining("cannot be read");
    }
}
