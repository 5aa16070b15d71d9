package dev.resident.support;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.time.Duration;

/** The demo at {@code /} in one browser tab, used as a person would: through its forms and what it shows. */
public final class DemoTab {
    private static final Duration PATIENCE = Duration.ofSeconds(15);
    private final ChromeDriver driver;
    private final String handle;
    private final WebDriverWait wait;

    private DemoTab(ChromeDriver driver) {
        this.driver = driver;
        this.handle = driver.getWindowHandle();
        this.wait = new WebDriverWait(driver, PATIENCE);
    }

    /** Loads the demo in the browser's current tab and waits until it shows the login form or the board. */
    public static DemoTab open(Chrome chrome, URI base) {
        ChromeDriver driver = chrome.driver();
        driver.get(base.resolve("/").toString());
        DemoTab tab = new DemoTab(driver);
        tab.wait.until(d -> d.findElement(By.id("login")).isDisplayed() || d.findElement(By.id("board")).isDisplayed());
        return tab;
    }

    /** Loads the demo logged in as {@code user} (password = user name), waiting until it is online. */
    public static DemoTab open(Chrome chrome, URI base, String user) {
        DemoTab tab = open(chrome, base);
        if (tab.isLoginShown()) {
            tab.login(user);
        }
        return tab.awaitConnection("online");
    }

    /** The demo in a new tab of the same browser (same session, so same user). */
    public DemoTab openAnotherTab(URI base) {
        focus();
        driver.switchTo().newWindow(WindowType.TAB).get(base.resolve("/").toString());
        DemoTab tab = new DemoTab(driver);
        tab.wait.until(d -> d.findElement(By.id("board")).isDisplayed());
        return tab.awaitConnection("online");
    }

    public DemoTab login(String user) {
        focus();
        driver.findElement(By.id("login-user")).sendKeys(user);
        driver.findElement(By.id("login-password")).sendKeys(user);
        driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("board")));
        return this;
    }

    public boolean isBoardShown() {
        focus();
        return driver.findElement(By.id("board")).isDisplayed();
    }

    public boolean isLoginShown() {
        focus();
        return driver.findElement(By.id("login")).isDisplayed();
    }

    /** The resident page id of this tab. */
    public String pageId() {
        focus();
        return driver.findElement(By.tagName("body")).getDomAttribute("data-page-id");
    }

    public void createOrder(String customer, String item, int qty) {
        focus();
        driver.findElement(By.id("customer")).sendKeys(customer);
        driver.findElement(By.id("item")).sendKeys(item);
        WebElement quantity = driver.findElement(By.id("qty"));
        quantity.clear();
        quantity.sendKeys(Integer.toString(qty));
        driver.findElement(By.cssSelector("#new-order button")).click();
    }

    /** Waits for a row of {@code customer}'s order and returns its order id. */
    public long awaitOrder(String customer) {
        focus();
        return Long.parseLong(wait.until(ExpectedConditions.visibilityOfElementLocated(orderRow(customer)))
                .getDomAttribute("data-id"));
    }

    public boolean hasOrder(String customer) {
        focus();
        return !driver.findElements(orderRow(customer)).isEmpty();
    }

    public void setStatus(long orderId, String status) {
        focus();
        new Select(driver.findElement(By.cssSelector("#orders tr[data-id='" + orderId + "'] select"))).selectByValue(status);
    }

    public void awaitStatus(long orderId, String status) {
        focus();
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#orders tr[data-id='" + orderId + "'][data-status='" + status + "']")));
    }

    public void sendNotice(String to, String text) {
        focus();
        driver.findElement(By.id("notify-to")).sendKeys(to);
        driver.findElement(By.id("notify-text")).sendKeys(text);
        driver.findElement(By.cssSelector("#notify-form button")).click();
    }

    /** Waits until the notifications list shows {@code text} from {@code from}. */
    public void awaitNotice(String from, String text) {
        focus();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notices"), from + ": " + text));
    }

    /** Waits until the connection indicator shows {@code state} (online, reconnecting, offline). */
    public DemoTab awaitConnection(String state) {
        focus();
        wait.until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", state));
        return this;
    }

    public String connectionState() {
        focus();
        return driver.findElement(By.id("conn")).getDomAttribute("data-state");
    }

    /** What the indicator says, e.g. {@code online · long-poll}. */
    public String connectionText() {
        focus();
        return driver.findElement(By.id("conn-text")).getText();
    }

    /** While true, this browser's WebSocket upgrades fail on the network (see {@link Chrome}); HTTP still works. */
    public DemoTab refuseWebSockets(boolean refused) {
        focus();
        driver.executeScript(refused
                ? "localStorage.setItem('test.refuse-websocket', 'yes')"
                : "localStorage.removeItem('test.refuse-websocket')");
        return this;
    }

    /** Loads {@code pathAndQuery} of the demo in this tab, waiting until the board is online. */
    public DemoTab load(URI base, String pathAndQuery) {
        focus();
        driver.get(base.resolve(pathAndQuery).toString());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("board")));
        return awaitConnection("online");
    }

    /** Reloads the tab as its user would (F5), waiting until the new page is online. */
    public DemoTab reload() {
        focus();
        driver.navigate().refresh();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("board")));
        return awaitConnection("online");
    }

    /** Clicks "Export CSV". */
    public void startExport() {
        focus();
        driver.findElement(By.id("export")).click();
    }

    /** Waits until the export's progress bar shows at least {@code done} steps; returns what it shows. */
    public long awaitExportProgress(long done) {
        focus();
        wait.until(d -> exportProgress() >= done);
        return exportProgress();
    }

    /** Steps done as the export's progress bar shows them. */
    public long exportProgress() {
        focus();
        return (long) Double.parseDouble(driver.findElement(By.id("export-progress")).getDomProperty("value"));
    }

    /** Waits until the export shows {@code state} (queued, running, done, failed, cancelled); returns its text. */
    public String awaitExportState(String state) {
        focus();
        wait.until(ExpectedConditions.attributeToBe(By.id("export-box"), "data-state", state));
        return driver.findElement(By.id("export-text")).getText();
    }

    /** Where the export's download link points, or null while it is hidden. */
    public String exportLink() {
        focus();
        WebElement link = driver.findElement(By.id("export-link"));
        return link.isDisplayed() ? link.getDomProperty("href") : null;
    }

    public byte[] screenshot() {
        focus();
        return driver.getScreenshotAs(OutputType.BYTES);
    }

    /** Closes this tab (its page is dropped through the client's beacon) and returns to another one. */
    public void close() {
        focus();
        driver.close();
        driver.switchTo().window(driver.getWindowHandles().iterator().next());
    }

    private By orderRow(String customer) {
        return By.xpath("//table[@id='orders']/tbody/tr[td[2][normalize-space()='" + customer + "']]");
    }

    private void focus() {
        if (!handle.equals(driver.getWindowHandle())) {
            driver.switchTo().window(handle);
        }
    }
}
