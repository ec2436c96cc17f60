package io.cfgserver.tests.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
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

    @TempDir
    static Path tmp;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static AgentProcess agent;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .eachPeer(b -> b.extraYaml("console:\n  temporalUi: \"http://127.0.0.1:8233\"\n")).start();
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
        await("console loaded").atMost(Duration.ofSeconds(30)).until(() -> "true".equals(body().getAttribute("data-loaded")));
        assertThat(browser.getCurrentUrl()).contains("/console/");

        // the cluster, its groups with master and replica, the 1024-slot strip coloured by group, the proxy
        await("both groups up").atMost(Duration.ofSeconds(30)).until(() -> groupState("g1").equals("ok")
                && groupState("g2").equals("ok") && upDots() == 4);
        assertThat(browser.findElements(By.cssSelector("#slots .slot"))).hasSize(1024);
        assertThat(browser.findElements(By.cssSelector("#slots .slot[data-group='g1']"))).hasSize(512);
        assertThat(browser.findElements(By.cssSelector("#slots .slot[data-group='g2']"))).hasSize(512);
        assertThat(group("g1").getAttribute("data-master")).isEqualTo(REDIS.get(0).address());
        await("proxy serving").atMost(Duration.ofSeconds(60)).until(() -> text("#proxies tr[data-proxy='p1'] .standing")
                .equals("SERVING"));
        await("events listed").atMost(Duration.ofSeconds(10)).until(() -> !browser.findElements(By.cssSelector("#events li")).isEmpty());
        assertThat(browser.findElement(By.id("temporal-ui")).getAttribute("href")).startsWith("http://127.0.0.1:8233");
        screenshot("1-cluster.png");

        // kill -9 of g1's master while failover is off: the group turns red and stays so
        http.put(peer.baseUrl() + "/v1/clusters/" + CLUSTER + "/policy", Map.of("autoFailover", false)).expect(200);
        REDIS.get(0).kill9();
        await("g1 red").atMost(Duration.ofSeconds(30)).until(() -> groupState("g1").equals("down"));
        assertThat(group("g1").getCssValue("border-left-color")).isEqualTo("rgba(214, 69, 69, 1)");
        screenshot("2-master-down.png");

        // failover allowed again: the group comes back with its replica as master
        http.put(peer.baseUrl() + "/v1/clusters/" + CLUSTER + "/policy", Map.of("autoFailover", true)).expect(200);
        await("g1 back with the new master").atMost(Duration.ofSeconds(60)).until(() -> groupState("g1").equals("ok")
                && REDIS.get(1).address().equals(group("g1").getAttribute("data-master")));
        await("failover in the event log").atMost(Duration.ofSeconds(10)).until(() -> !browser
                .findElements(By.cssSelector("#events li[data-type='+switch-master']")).isEmpty());
        screenshot("3-failed-over.png");

        // the promote button: refused without a token (nothing changes), a planned switchover with one
        String target = REDIS.get(3).address();
        promoteButton("g2", target).click();
        await("asks for a token").atMost(Duration.ofSeconds(5)).until(() -> text("#toast").contains("enter a token"));
        assertThat(group("g2").getAttribute("data-master")).isEqualTo(REDIS.get(2).address());
        WebElement token = browser.findElement(By.id("token"));
        token.sendKeys(service.token());
        promoteButton("g2", target).click();
        browser.switchTo().alert().accept();
        await("g2 switched over").atMost(Duration.ofSeconds(60)).until(() -> target.equals(group("g2").getAttribute("data-master"))
                && groupState("g2").equals("ok"));
        await("says so").atMost(Duration.ofSeconds(10)).until(() -> text("#toast").contains("switched g2 over"));
        screenshot("4-switched-over.png");
    }

    private static WebElement body() {
        return browser.findElement(By.tagName("body"));
    }

    private static WebElement group(String id) {
        return browser.findElement(By.cssSelector(".group[data-group='" + id + "']"));
    }

    private static String groupState(String id) {
        List<WebElement> g = browser.findElements(By.cssSelector(".group[data-group='" + id + "']"));
        return g.isEmpty() ? "absent" : g.get(0).getAttribute("data-state");
    }

    private static long upDots() {
        return browser.findElements(By.cssSelector(".group tr[data-up='true']")).size();
    }

    private static WebElement promoteButton(String groupId, String target) {
        return group(groupId).findElement(By.cssSelector("button[data-action='switchover'][data-target='" + target + "']"));
    }

    private static String text(String css) {
        List<WebElement> e = browser.findElements(By.cssSelector(css));
        return e.isEmpty() ? "" : e.get(0).getText();
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
