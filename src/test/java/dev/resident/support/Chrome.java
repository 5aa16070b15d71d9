package dev.resident.support;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A headless Debian Chromium driven through the system chromedriver, with a fresh profile of its
 * own: one browser context with its own cookies. Nothing is downloaded (the driver and the
 * browser are given by path, so Selenium Manager has nothing to look for).
 */
public final class Chrome implements AutoCloseable {
    private static final File BROWSER = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");
    /**
     * The test's stand-in for a proxy that refuses WebSocket upgrades, installed in the browser's
     * first tab: while {@link DemoTab#refuseWebSockets} says so, sockets go to a path that does not
     * upgrade, so they fail on the network as they would behind such a proxy. CDP's URL blocking
     * does not apply to WebSockets.
     */
    private static final String REFUSABLE_SOCKETS = """
            const NativeWebSocket = WebSocket;
            window.WebSocket = class extends NativeWebSocket {
              constructor(url, protocols) {
                const refused = localStorage.getItem('test.refuse-websocket') === 'yes';
                super(refused ? String(url).replace('/_/ws?', '/_/refused-ws?') : url, protocols);
              }
            };
            """;
    // Selenium 4.49 has no CDP bindings for this Chromium; only raw CDP commands are used here
    private static final Logger CDP_LOGGER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_LOGGER.setLevel(Level.SEVERE);
    }

    private final Path profile;
    private final ChromeDriver driver;

    private Chrome(Path profile, ChromeDriver driver) {
        this.profile = profile;
        this.driver = driver;
    }

    /** Starts a browser; run {@code deploy/prerequisites} first if chromium is missing. */
    public static Chrome start() {
        if (!BROWSER.canExecute() || !DRIVER.canExecute()) {
            throw new IllegalStateException("chromium or chromedriver missing: run deploy/prerequisites");
        }
        try {
            Path profile = Files.createTempDirectory("resident-chrome");
            ChromeOptions options = new ChromeOptions()
                    .setBinary(BROWSER)
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--disable-dev-shm-usage", "--window-size=1366,860",
                            "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER)
                    .usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", REFUSABLE_SOCKETS));
            return new Chrome(profile, driver);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** The strings of a JavaScript array the page holds ({@code window.outcomes}), or null while it has none. */
    @SuppressWarnings("unchecked")
    public List<String> strings(String expression) {
        return (List<String>) driver.executeScript("return " + expression + ";");
    }

    /** Takes the network away from the current tab (and gives it back), with the browser's offline and online events. */
    public void offline(boolean offline) {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", offline, "latency", 0,
                "downloadThroughput", -1, "uploadThroughput", -1));
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            Processes.deleteTree(profile);
        }
    }
}
