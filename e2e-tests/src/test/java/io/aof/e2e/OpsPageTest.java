package io.aof.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import tools.jackson.databind.JsonNode;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in ops page in headless Chromium (Debian's chromium and
 * chromium-driver, which .ci/run installs), against the running services: load
 * it, sign in as a viewer (sees the incidents and a timeline; a replay is refused, and says why), sign out, sign
 * in as an operator, filter, open an incident's timeline, replay an exhausted incident, and find the replay in
 * the audit under the operator's name; the screenshot is left in {@code e2e-tests/target/ops-page.png}. And the
 * outages panel: an operator declares an outage, opens its held incident, ends it; a viewer is offered neither
 * (its screenshot: {@code e2e-tests/target/ops-page-outages.png}).
 */
class OpsPageTest extends SuiteTest {

    static final Path CHROMIUM = Path.of(System.getProperty("aof.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("aof.chromedriver", "/usr/bin/chromedriver"));

    static WebDriver browser;

    @BeforeAll
    static void browser() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "No " + CHROMIUM + " or " + CHROMEDRIVER + ": the ops page browser test is skipped "
                        + "(apt-get install chromium chromium-driver; .ci/run does)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anOperatorFindsAnExhaustedIncidentReadsItsTimelineAndReplaysIt() throws Exception {
        long recipe = sim.addRecipe("Ops page export (always fails)",
                "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"500 Internal Server Error\",\"httpCode\":500}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "EXHAUSTED");
        awaitTimelineEnd(incident, "RetriesExhausted");

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.get(suite.url("orchestrator") + "/ops/");
        // the page is open, what it shows is not: nothing is read before signing in
        wait.until(ExpectedConditions.textToBe(By.id("who"), "Sign in to see the incidents:"));
        assertThat(browser.getTitle()).isEqualTo("AOF operations");
        assertThat(browser.findElements(By.cssSelector("#incidents tbody tr"))).isEmpty();

        // a viewer signs in: sees the incidents and the timeline, but may not replay
        signIn("vera", AofSuite.VERA_PASSWORD);
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
        assertThat(browser.findElements(By.cssSelector("#failures-chart rect"))).hasSize(24);
        By row = filterTo(recipe, incident);
        assertThat(browser.findElement(row).getText()).contains("EXHAUSTED", "UPSTREAM_5XX", "5 of 5");
        browser.findElement(row).findElement(By.cssSelector("button.timeline")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("timeline"), "RetriesExhausted"));
        replay(row, "vera tries");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"),
                "replay refused (403): vera is not an operator"));
        assertThat(Http.getJson(suite.url("orchestrator") + "/api/incidents/" + incident).get("incident")
                .get("replays").asInt()).isZero();
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.textToBe(By.id("who"), "Sign in to see the incidents:"));

        // an operator signs in and replays it
        signIn("alice", AofSuite.ALICE_PASSWORD);
        row = filterTo(recipe, incident);

        // its timeline, from the logger
        browser.findElement(row).findElement(By.cssSelector("button.timeline")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("timeline"), "RetriesExhausted"));
        assertThat(browser.findElement(By.id("timeline")).getText()).contains("JobFailed", "IncidentOpened",
                "RetryScheduled");
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), Path.of("target", "ops-page.png"), StandardCopyOption.REPLACE_EXISTING);

        // replay it
        replay(row, "upstream fixed");
        try {
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Replayed " + incident));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the page says: " + browser.findElement(By.id("status")).getText(), e);
        }
        // the orchestrator took it: one replay recorded, by the signed-in operator, in the timeline and the audit
        JsonNode view = Http.getJson(suite.url("orchestrator") + "/api/incidents/" + incident).get("incident");
        assertThat(view.get("replays").asInt()).isEqualTo(1);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> transitions(incident).contains("ReplayRequested"));
        assertThat(suite.db.queryForObject("SELECT count(*) FROM orchestrator.operator_action WHERE target = ? "
                + "AND action = 'REPLAY' AND requested_by = 'alice' AND reason = 'upstream fixed'", Integer.class,
                incident)).isEqualTo(1);
        assertThat(awaitAudit("incidentId=" + incident, 1)).containsExactly("alice REPLAY " + incident
                + " (orchestrator)");
    }

    @Test
    void anOperatorSignsInWithSingleSignOnAndResolvesAnIncident() {
        long recipe = sim.addRecipe("Ops page SSO (bad credentials)", "{\"kind\":\"AUTH_ERROR\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "NON_RETRYABLE");

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.manage().deleteAllCookies();
        browser.get(suite.url("orchestrator") + "/ops/index.html");
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        // offered because the API accepts the provider's tokens and the page has a client id there
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sso"))).click();
        // the provider's sign-in page (the simulator's: a user name is enough there)
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("olga");
        assertThat(browser.getCurrentUrl()).startsWith(suite.simulatorUrl + "/oidc/authorize?")
                .contains("code_challenge_method=S256", "client_id=aof-ops-page");
        browser.findElement(By.id("kc-login")).click();
        // back on the page with a code, exchanged for a token; the code is not left in the address bar
        wait.until(ExpectedConditions.textToBe(By.id("who"), "Signed in as olga."));
        assertThat(browser.getCurrentUrl()).isEqualTo(suite.url("orchestrator") + "/ops/index.html");
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));

        By row = filterTo("NON_RETRYABLE", recipe, incident);
        browser.findElement(row).findElement(By.cssSelector("button.resolve")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("reason"))).sendKeys("token renewed");
        browser.findElement(By.id("confirm")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Resolved " + incident));

        // the actor is the token's user, from the provider's preferred_username
        assertThat(awaitAudit("incidentId=" + incident, 1)).containsExactly("olga RESOLVE " + incident
                + " (orchestrator)");
        // a link carrying a code or an error the page did not ask for changes nothing: olga stays signed in
        browser.get(suite.url("orchestrator") + "/ops/index.html?error=access_denied&error_description=forged");
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
        assertThat(browser.findElement(By.id("who")).getText()).isEqualTo("Signed in as olga.");
        assertThat(browser.getCurrentUrl()).isEqualTo(suite.url("orchestrator") + "/ops/index.html");
        browser.findElement(By.id("sign-out")).click();
    }

    @Test
    void anOperatorDeclaresAnOutageOpensItsHeldIncidentAndEndsIt() throws Exception {
        // an upstream of this test alone: a connector of the simulator (times out while down), named as incidents
        // name it; the recipe's job fails against it while the declared outage holds it
        String upstream = "opspage_crm_" + Long.toString(System.currentTimeMillis(), 36);
        long recipe = sim.addRecipe("Ops page CRM sync", "{\"kind\":\"HEALTHY\"}", upstream);
        sim.connectorDown(upstream, 120);
        String reason = "CRM maintenance <b>window</b>";   // shown as typed, never as markup
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.get(suite.url("orchestrator") + "/ops/index.html");
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        try {
            // an operator declares it through the page: it is in the open list, declared by her, until then
            signInAndAwaitData("alice", AofSuite.ALICE_PASSWORD);
            assertThat(browser.findElement(By.id("declare")).isDisplayed()).isTrue();
            assertThat(browser.findElement(By.id("outage-viewer-note")).isDisplayed()).isFalse();
            browser.findElement(By.id("declare-upstream")).sendKeys(upstream);
            WebElement minutes = browser.findElement(By.id("declare-minutes"));
            minutes.clear();
            minutes.sendKeys("30");
            browser.findElement(By.id("declare-reason")).sendKeys(reason);
            browser.findElement(By.id("declare-submit")).click();
            By row = By.cssSelector("#outages tr[data-upstream='" + upstream + "']");
            awaitOutages("Declared an outage of " + upstream + " until ");
            assertThat(browser.findElement(row).getText()).contains(upstream, "declared by alice until ", reason);
            String outage = browser.findElement(row).getDomAttribute("data-id");
            JsonNode declared = Http.getJson(suite.url("orchestrator") + "/api/outages/" + outage).get("outage");
            assertThat(declared.get("declaredBy").asString()).isEqualTo("alice");
            assertThat(declared.get("reason").asString()).isEqualTo(reason);

            // a job of that upstream fails: held; the outage's row opens to it, and it to the incident's detail
            String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + sim.trigger(recipe);
            awaitIncidentState(incident, "HELD");
            browser.findElement(row).findElement(By.cssSelector("button.expand")).click();
            By held = By.cssSelector("#outages tr.held-row a.incident-link[data-id='" + incident + "']");
            wait.until(ExpectedConditions.elementToBeClickable(held));
            assertThat(browser.findElement(row).findElement(By.cssSelector("td.held")).getText()).isEqualTo("1");
            assertThat(browser.findElement(row).findElement(By.cssSelector("button.expand"))
                    .getDomAttribute("aria-expanded")).isEqualTo("true");
            browser.findElement(held).click();
            wait.until(ExpectedConditions.and(
                    ExpectedConditions.attributeToBe(By.id("incident-detail"), "aria-busy", "false"),
                    ExpectedConditions.textToBePresentInElementLocated(By.id("timeline-id"), incident)));
            assertThat(browser.findElement(By.id("incident-detail")).getText()).contains("HELD", upstream);
            // and from the incident back to its outage
            browser.findElement(By.cssSelector("#incident-detail a.outage-link[data-id='" + outage + "']")).click();
            wait.until(ExpectedConditions.and(
                    ExpectedConditions.attributeToBe(By.id("outage-detail"), "aria-busy", "false"),
                    ExpectedConditions.textToBe(By.id("outage-upstream"), upstream)));
            assertThat(browser.findElement(By.id("outage-detail")).getText()).contains(outage, reason, incident);
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), Path.of("target", "ops-page-outages.png"), StandardCopyOption.REPLACE_EXISTING);

            // a viewer sees it, but is offered neither ending it nor declaring one
            browser.findElement(By.id("sign-out")).click();
            signInAndAwaitData("vera", AofSuite.VERA_PASSWORD);
            assertThat(browser.findElement(row).getText()).contains(upstream);
            assertThat(browser.findElements(By.cssSelector("#outages button.end"))).isEmpty();
            assertThat(browser.findElement(By.id("declare")).isDisplayed()).isFalse();
            assertThat(browser.findElement(By.id("outage-viewer-note")).isDisplayed()).isTrue();
            browser.findElement(By.id("sign-out")).click();

            // the operator ends it, saying why: gone from the open outages, among the ended with how it ended
            sim.connectorBack(upstream);
            signInAndAwaitData("alice", AofSuite.ALICE_PASSWORD);
            browser.findElement(row).findElement(By.cssSelector("button.end")).click();
            WebElement why = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("reason")));
            why.sendKeys("CRM back early");
            browser.findElement(By.id("confirm")).click();
            awaitOutages("Ended the outage of " + upstream);
            assertThat(browser.findElements(row)).isEmpty();
            new Select(browser.findElement(By.id("outage-state"))).selectByVisibleText("recently ended");
            wait.until(ExpectedConditions.and(
                    ExpectedConditions.attributeToBe(By.id("outages"), "aria-busy", "false"),
                    ExpectedConditions.presenceOfElementLocated(row)));
            assertThat(browser.findElement(row).getText()).contains("ended by alice: CRM back early");
            assertThat(browser.findElements(By.cssSelector("#outages button.end"))).isEmpty();

            // the orchestrator has it ended by her, and the audit both actions under her name
            JsonNode ended = Http.getJson(suite.url("orchestrator") + "/api/outages/" + outage).get("outage");
            assertThat(ended.get("endedBy").asString()).isEqualTo("alice");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(awaitAudit("actor=alice&action=END_OUTAGE", 1)).contains("alice END_OUTAGE outage "
                        + outage + " of " + upstream + " (orchestrator)");
                assertThat(awaitAudit("actor=alice&action=DECLARE_OUTAGE", 1)).anySatisfy(line -> assertThat(line)
                        .startsWith("alice DECLARE_OUTAGE outage " + outage + " of " + upstream + " until ")
                        .endsWith(" (orchestrator)"));
            });
            browser.findElement(By.id("sign-out")).click();
        } finally {
            sim.connectorBack(upstream);
            ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        }
    }

    @Test
    void anOperatorResolvesAnOutagesIncidentsAndAcknowledgesEscalationsTogetherAfterADryRun() throws Exception {
        String upstream = "opspage_erp_" + Long.toString(System.currentTimeMillis(), 36);
        long recipe = sim.addRecipe("Ops page ERP sync", "{\"kind\":\"HEALTHY\"}", upstream);
        sim.connectorDown(upstream, 120);
        Http.Response declared = Http.postAs(AofSuite.ALICE_AUTH, suite.url("orchestrator") + "/api/outages",
                "{\"upstream\":\"" + upstream + "\",\"minutes\":30,\"reason\":\"ERP upgrade\"}");
        assertThat(declared.status()).as(declared.body()).isEqualTo(201);
        String outage = Http.JSON.readTree(declared.body()).get("outage").get("id").asString();
        List<String> held = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + sim.trigger(recipe);
            awaitIncidentState(incident, "HELD");
            held.add(incident);
        }
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.get(suite.url("orchestrator") + "/ops/index.html");
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        try {
            // a viewer may list them, but is offered no bulk action
            signInAndAwaitData("vera", AofSuite.VERA_PASSWORD);
            assertThat(browser.findElement(By.id("bulk")).isDisplayed()).isFalse();
            browser.findElement(By.id("sign-out")).click();

            // the operator opens the outage's row and lists its incidents: the three held ones
            signInAndAwaitData("alice", AofSuite.ALICE_PASSWORD);
            By row = By.cssSelector("#outages tr[data-upstream='" + upstream + "']");
            browser.findElement(row).findElement(By.cssSelector("button.expand")).click();
            By members = By.cssSelector("#outages tr.held-row button.members[data-id='" + outage + "']");
            wait.until(ExpectedConditions.elementToBeClickable(members)).click();
            wait.until(ExpectedConditions.and(
                    ExpectedConditions.attributeToBe(By.id("incidents"), "aria-busy", "false"),
                    ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "3 incident(s)")));
            assertThat(browser.findElement(By.id("outage")).getDomProperty("value")).isEqualTo(outage);
            for (String incident : held) {
                assertThat(browser.findElements(By.cssSelector("#incidents tr[data-id='" + incident + "']")))
                        .hasSize(1);
            }

            // a bulk action needs a state: the list's default ("open") is several
            browser.findElement(By.id("bulk-resolve")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"),
                    "Choose a state for a bulk action"));
            // resolve the held ones: the dry run's count is in the dialog, the answer in the status line
            new Select(browser.findElement(By.id("state"))).selectByVisibleText("HELD");
            browser.findElement(By.id("bulk-resolve")).click();
            WebElement why = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("reason")));
            assertThat(browser.findElement(By.id("action-title")).getText())
                    .startsWith("Resolve 3 of the 3 incident(s) the filter matches (oldest: ");
            why.sendKeys("replayed by hand in Workato");
            browser.findElement(By.id("confirm")).click();
            try {
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"),
                        "Resolved 3 of 3 incident(s)"));
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("the page says: " + browser.findElement(By.id("status")).getText(), e);
            }
            for (String incident : held) {
                assertThat(Http.getJson(suite.url("orchestrator") + "/api/incidents/" + incident).get("incident")
                        .get("state").asString()).isEqualTo("MANUALLY_RESOLVED");
            }
            // each audited under her name, as one at a time would be
            assertThat(suite.db.queryForObject("SELECT count(*) FROM orchestrator.operator_action WHERE "
                    + "action = 'RESOLVE' AND requested_by = 'alice' AND reason = 'replayed by hand in Workato' "
                    + "AND target LIKE ?", Integer.class, AofSuite.WORKSPACE + ":" + recipe + ":%")).isEqualTo(3);

            // the super admin's escalations of a recipe whose token expired, acknowledged together from the page
            // (at the notifier; its bulk acknowledgement filters by recipe or category)
            long expired = sim.addRecipe("Ops page expired token", "{\"kind\":\"AUTH_ERROR\"}");
            List<String> escalated = new java.util.ArrayList<>();
            for (int k = 0; k < 2; k++) {
                escalated.add(AofSuite.WORKSPACE + ":" + expired + ":" + sim.trigger(expired));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> suite.db.queryForObject(
                    "SELECT count(*) FROM notifier.escalation WHERE incident_id = ANY (?)", Integer.class,
                    (Object) escalated.toArray(String[]::new)) == 2);
            $("outage").clear();
            new Select(browser.findElement(By.id("state"))).selectByVisibleText("open (not recovered or resolved)");
            $("recipe").clear();
            $("recipe").sendKeys(String.valueOf(expired));
            browser.findElement(By.id("bulk-ack")).click();
            why = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("reason")));
            assertThat(browser.findElement(By.id("action-title")).getText())
                    .startsWith("Acknowledge 2 open escalation(s) of the recipe or category (oldest: ");
            why.sendKeys("token renewed");
            browser.findElement(By.id("confirm")).click();
            try {
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"),
                        "Acknowledged 2 escalation(s)"));
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("the page says: " + browser.findElement(By.id("status")).getText(), e);
            }
            assertThat(suite.db.queryForObject("SELECT count(*) FROM notifier.escalation WHERE incident_id = ANY (?) "
                    + "AND acked_at IS NULL", Integer.class, (Object) escalated.toArray(String[]::new))).isZero();
            for (String incident : escalated) {
                assertThat(awaitAudit("incidentId=" + incident + "&action=ESCALATION_ACK", 1)).singleElement()
                        .satisfies(line -> assertThat(line).startsWith("alice ESCALATION_ACK escalation of "
                                + incident));
            }
            browser.findElement(By.id("sign-out")).click();
        } finally {
            sim.connectorBack(upstream);
            Http.postAs(AofSuite.ALICE_AUTH, suite.url("orchestrator") + "/api/outages/" + outage + "/end",
                    "{\"reason\":\"test over\"}");
            ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        }
    }

    private static WebElement $(String id) {
        return browser.findElement(By.id(id));
    }

    /** Signs in and waits until the page shows this sign-in's data (charts, incidents, outages). */
    private static void signInAndAwaitData(String user, String password) {
        signIn(user, password);
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d ->
                "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    /**
     * Waits for an outage action's answer: the page says it once the outages are read again, and the list is
     * aria-busy from the action until then (a row found before is stale after it).
     */
    private static void awaitOutages(String said) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.and(
                    ExpectedConditions.textToBePresentInElementLocated(By.id("outage-status"), said),
                    ExpectedConditions.attributeToBe(By.id("outages"), "aria-busy", "false")));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the page says: " + browser.findElement(By.id("outage-status")).getText(), e);
        }
    }

    private static void signIn(String user, String password) {
        for (String[] field : new String[][] {{"user", user}, {"password", password}}) {
            WebElement input = browser.findElement(By.id(field[0]));
            input.clear();   // the page keeps the name typed before a sign-out
            input.sendKeys(field[1]);
        }
        browser.findElement(By.id("sign-in")).click();
        new WebDriverWait(browser, Duration.ofSeconds(20))
                .until(ExpectedConditions.textToBe(By.id("who"), "Signed in as " + user + "."));
    }

    /** Filters the list to the exhausted incidents of {@code recipe}; the row of {@code incident}. */
    private static By filterTo(long recipe, String incident) {
        return filterTo("EXHAUSTED", recipe, incident);
    }

    /**
     * Filters the list to the incidents of {@code recipe} in {@code state}; the row of {@code incident}. Waits for
     * the filtered answer (the table is aria-busy until then), not for a row the earlier, unfiltered list already
     * showed: that row is replaced when the answer comes, and a button found in it is stale by then.
     */
    private static By filterTo(String state, long recipe, String incident) {
        new Select(browser.findElement(By.id("state"))).selectByVisibleText(state);
        WebElement recipeField = browser.findElement(By.id("recipe"));
        recipeField.clear();
        recipeField.sendKeys(String.valueOf(recipe));
        browser.findElement(By.id("apply")).click();
        By row = By.cssSelector("tr[data-id='" + incident + "']");
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.and(
                ExpectedConditions.attributeToBe(By.id("incidents"), "aria-busy", "false"),
                ExpectedConditions.presenceOfElementLocated(row)));
        assertThat(browser.findElements(By.cssSelector("#incidents tbody tr"))).hasSize(1);
        return row;
    }

    private static void replay(By row, String reason) {
        browser.findElement(row).findElement(By.cssSelector("button.replay")).click();
        WebElement field = new WebDriverWait(browser, Duration.ofSeconds(20))
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("reason")));
        field.clear();
        field.sendKeys(reason);
        browser.findElement(By.id("confirm")).click();
    }
}
