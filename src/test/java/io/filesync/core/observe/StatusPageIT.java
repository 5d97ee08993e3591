package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.filesync.BundleBoot;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser (Debian's headless chromium through chromedriver) while the real configuration
 * works: each job's state as it changes, a CSV loaded, a malformed one failing, a deleted one that dry run keeps, a
 * job stopped, and a hostile file name shown as text. Skipped, saying why, where chromium is not installed
 * ({@code .ci/run} installs it).
 */
class StatusPageIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** A legal Linux file name (no slash) that would run code if the page wrote it as markup. */
    private static final String HOSTILE = "<script>document.title='owned'<script><img src=x onerror=\"document.title='owned'\">.csv";

    @TempDir
    Path work;

    private WebDriver browser;

    @BeforeEach
    void openBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Skipped: the status page test needs Debian's chromium and chromium-driver "
                        + "(apt-get install chromium chromium-driver; .ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(work.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void thePageShowsEachJobItsWorkItsErrorsAndWhatDryRunKept() throws Exception {
        Path csv = Files.createDirectories(work.resolve("csv"));
        try (BundleBoot bundle = BundleBoot.start(work, Map.of("csv.dir", csv.toString(), "csv.settle-time-ms", "100",
                "filesync.dry-run", "true"))) {
            CamelContext context = bundle.main().getCamelContext();
            browser.get("http://127.0.0.1:" + Scrape.of(context).port() + "/filesync/");

            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                assertThat(text("#status")).isIn("UP", "DOWN");
                assertThat(jobState("csv")).isEqualTo("waiting");
                assertThat(jobState("watch-events")).isEqualTo("waiting");
                assertThat(jobState("mirror-s3-changes")).isEqualTo("stopped");
                assertThat(browser.findElement(By.id("dry-run")).isDisplayed()).isTrue();
            });

            Files.writeString(csv.resolve("sales.csv"), "id,amount\n1,10\n2,20\n");
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(rowText("subjects",
                    "csv source csv-to-table, table sales")).contains("files.loaded: 1").contains("rows.written: 2"));

            Files.writeString(csv.resolve(HOSTILE), "sku,qty\nA1,6\n\"B2,7\n");
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                assertThat(jobState("csv")).isEqualTo("failing");
                assertThat(cells("errors", 2)).anySatisfy(source -> assertThat(source).endsWith(HOSTILE));
            });
            // The name is text: no element was made of it, and its script never ran.
            assertThat(browser.findElements(By.cssSelector("#errors img, #errors script, #jobs img"))).isEmpty();
            assertThat(browser.getTitle()).isEqualTo("filesync status");

            Files.delete(csv.resolve("sales.csv"));
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(rows("would-delete"))
                    .anySatisfy(row -> assertThat(row).contains("csv", "would drop table", "sales",
                            "file sales.csv deleted")));

            context.getRouteController().stopRoute("watch-events");
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                    assertThat(jobState("watch-events")).isEqualTo("stopped"));
            context.getRouteController().startRoute("watch-events");
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                    assertThat(jobState("watch-events")).isEqualTo("waiting"));

            // Totals add up every subject of a job.
            assertThat(rowText("totals", "csv")).contains("files.loaded: 1");
        }
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private String jobState(String job) {
        return row("jobs", job).findElements(By.tagName("td")).get(1).getText();
    }

    private String rowText(String table, String key) {
        return row(table, key).getText();
    }

    private WebElement row(String table, String key) {
        for (WebElement row : browser.findElements(By.cssSelector("#" + table + " tbody tr"))) {
            if (key.equals(row.getAttribute("data-key"))) {
                return row;
            }
        }
        throw new AssertionError("no row " + key + " in #" + table);
    }

    private List<String> rows(String table) {
        return browser.findElements(By.cssSelector("#" + table + " tbody tr")).stream().map(WebElement::getText).toList();
    }

    private List<String> cells(String table, int column) {
        return browser.findElements(By.cssSelector("#" + table + " tbody tr")).stream()
                .map(row -> row.findElements(By.tagName("td")))
                .filter(cells -> cells.size() > column).map(cells -> cells.get(column).getText()).toList();
    }
}
