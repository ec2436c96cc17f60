package io.cfgserver.tests.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven by Selenium) against a real 3-peer cfgserver, four redis-servers and a proxy (agent +
 * nutcracker): the page shows the cluster; a kill -9 of a master turns its group red, and it comes
 * back with the new master once failover is allowed; the switchover button works with a token and
 * is refused without one. Screenshots are kept in {@code tests/target/console-screenshots/}.
 */
@Timeout(300)
class ConsoleIT {
    static final String CLUSTER = "demo";
    static final Path SHOTS = Path.of("target", "console-screenshots");
    static final String VIEWER = "console-viewer-token";
    static final String OPERATOR = "console-operator-token";

    @TempDir
    static Path tmp;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static AgentProcess agent;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        String users = "  users:\n"
                + "    - {name: vera, role: viewer, tokenSha256: \"" + sha256(VIEWER) + "\"}\n"
                + "    - {name: otto, role: operator, tokenSha256: \"" + sha256(OPERATOR) + "\"}\n";
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .eachPeer(b -> b.authYaml(users).extraYaml("console:\n  temporalUi: \"http://127.0.0.1:8233\"\n")).start();
        http = service.http();
        for (int i = 0; i < 4; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        int proxyPort = LoopbackPorts.next();
        http.post(service.any().baseUrl() + "/v1/clusters", Map.of("name", CLUSTER,
                "groups", List.of(Map.of("id", "g1", "master", REDIS.get(0).address(), "replicas", List.of(REDIS.get(1).address())),
                        Map.of("id", "g2", "master", REDIS.get(2).address(), "replicas", List.of(REDIS.get(3).address()))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + proxyPort)))).expect(201);
        List<String> urls = service.peers().stream().map(ServiceProcess::baseUrl).toList();
        agent = new AgentProcess(tmp.resolve("agent"), CLUSTER, "p1", urls, service.token(), 10_000).start();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(firstExisting("/usr/bin/chromium", "/usr/lib/chromium/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + tmp.resolve("chromium-profile"));
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")).toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (agent != null) {
            agent.close();
        }
        if (service != null) {
            service.close();
        }
        REDIS.forEach(RedisProcess::close);
    }

    @Test
    void showsTheClusterAndFollowsAFailoverAndASwitchover() throws Exception {
        ServiceProcess peer = service.any();
        browser.get(peer.baseUrl() + "/");
        // reads need a token here (users are configured): the page says so, and loads once one is given
        await("asks for a token").atMost(Duration.ofSeconds(30)).until(() -> text("#error").contains("enter a token"));
        assertThat(count(".group")).isZero();
        screenshot("0-token-needed.png");
        browser.findElement(By.id("token")).sendKeys(VIEWER, Keys.TAB);
        await("console loaded").atMost(Duration.ofSeconds(30)).until(() -> "true".equals(attr("body", "data-loaded")));
        assertThat(browser.getCurrentUrl()).contains("/console/");

        // the cluster, its groups with master and replica, the 1024-slot strip coloured by group, the proxy
        await("both groups up").atMost(Duration.ofSeconds(30)).until(() -> groupState("g1").equals("ok")
                && groupState("g2").equals("ok") && upDots() == 4);
        assertThat(count("#slots .slot")).isEqualTo(1024);
        assertThat(count("#slots .slot[data-group='g1']")).isEqualTo(512);
        assertThat(count("#slots .slot[data-group='g2']")).isEqualTo(512);
        assertThat(master("g1")).isEqualTo(REDIS.get(0).address());
        await("proxy serving").atMost(Duration.ofSeconds(60)).until(() -> text("#proxies tr[data-proxy='p1'] .standing")
                .equals("SERVING"));
        await("events listed").atMost(Duration.ofSeconds(10)).until(() -> count("#events li") > 0);
        assertThat(attr("#temporal-ui", "href")).startsWith("http://127.0.0.1:8233");
        screenshot("1-cluster.png");

        // kill -9 of g1's master while failover is off: the group turns red and stays so
        http.put(peer.baseUrl() + "/v1/clusters/" + CLUSTER + "/policy", Map.of("autoFailover", false)).expect(200);
        REDIS.get(0).kill9();
        await("g1 red").atMost(Duration.ofSeconds(30)).until(() -> groupState("g1").equals("down"));
        assertThat(js("return getComputedStyle(document.querySelector(\".group[data-group='g1']\")).borderLeftColor;"))
                .isEqualTo("rgb(214, 69, 69)");
        screenshot("2-master-down.png");

        // failover allowed again: the group comes back with its replica as master
        http.put(peer.baseUrl() + "/v1/clusters/" + CLUSTER + "/policy", Map.of("autoFailover", true)).expect(200);
        await("g1 back with the new master").atMost(Duration.ofSeconds(60)).until(() -> groupState("g1").equals("ok")
                && REDIS.get(1).address().equals(master("g1")));
        await("failover in the event log").atMost(Duration.ofSeconds(10)).until(() -> count("#events li[data-type='+switch-master']") > 0);
        screenshot("3-failed-over.png");

        // the promote button: refused with a viewer's token (nothing changes), a planned switchover with an operator's
        String target = REDIS.get(3).address();
        promote("g2", target);
        await("confirm").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            browser.switchTo().alert().accept();
            return true;
        });
        await("refused for a viewer").atMost(Duration.ofSeconds(10)).until(() -> text("#toast").contains("refused")
                && text("#toast").contains("operator"));
        assertThat(master("g2")).isEqualTo(REDIS.get(2).address());
        WebElement token = browser.findElement(By.id("token"));
        token.clear();
        token.sendKeys(OPERATOR, Keys.TAB);
        promote("g2", target);
        await("confirm").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            browser.switchTo().alert().accept();
            return true;
        });
        await("g2 switched over").atMost(Duration.ofSeconds(60)).until(() -> target.equals(master("g2"))
                && groupState("g2").equals("ok"));
        await("says so").atMost(Duration.ofSeconds(10)).until(() -> text("#toast").contains("switched g2 over"));
        screenshot("4-switched-over.png");
    }

    static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    // The page re-renders every second: read with one script each (atomic), never through held elements.
    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static String attr(String css, String name) {
        Object v = js("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;", css, name);
        return v == null ? "absent" : v.toString();
    }

    private static long count(String css) {
        return ((Number) js("return document.querySelectorAll(arguments[0]).length;", css)).longValue();
    }

    private static String groupState(String id) {
        return attr(".group[data-group='" + id + "']", "data-state");
    }

    private static String master(String id) {
        return attr(".group[data-group='" + id + "']", "data-master");
    }

    private static long upDots() {
        return count(".group tr[data-up='true']");
    }

    /** Clicks a group's promote button (found in one script; clicked after it returns, since the click opens a confirm). */
    private static void promote(String groupId, String target) {
        Object clicked = js("const b = document.querySelector(arguments[0]); if (!b) return false; setTimeout(() => b.click(), 0); return true;",
                ".group[data-group='" + groupId + "'] button[data-action='switchover'][data-target='" + target + "']");
        assertThat(clicked).as("promote button of " + target + " in " + groupId).isEqualTo(true);
    }

    private static String text(String css) {
        Object v = js("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css);
        return v == null ? "" : v.toString();
    }

    private static void screenshot(String name) throws Exception {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve(name), png);
    }

    private static String firstExisting(String... paths) {
        for (String p : paths) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("none of " + String.join(", ", paths)
                + " exists: install Debian's chromium and chromium-driver (deploy/install-prereqs.sh does)");
    }
}
