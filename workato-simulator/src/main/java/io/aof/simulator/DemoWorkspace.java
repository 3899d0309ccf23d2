package io.aof.simulator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo workspace of {@code ./aof up}: recipes that recover after a few
 * repeats, one that never does, one with an auth error, and healthy ones that
 * keep running. Each failing recipe runs one job shortly after start.
 */
class DemoWorkspace {

    private static final Logger log = LoggerFactory.getLogger(DemoWorkspace.class);

    private final Workspace workspace;
    private final SimulatorProperties.Demo demo;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-demo-triggers");
        t.setDaemon(true);
        return t;
    });

    DemoWorkspace(Workspace workspace, SimulatorProperties props) {
        this.workspace = workspace;
        this.demo = props.demo();
    }

    @EventListener(ApplicationReadyEvent.class)
    void create() {
        List<Long> failing = new ArrayList<>();
        failing.add(id(workspace.addRecipe("Salesforce to NetSuite: sync orders", 11L,
                Behaviour.failTimes(2, "Net::ReadTimeout: read timed out after 30s", "err.http.response.timeout",
                        null))));
        failing.add(id(workspace.addRecipe("Shopify to ERP: inventory levels", 11L,
                Behaviour.failTimes(3, "503 Service Unavailable: upstream connect error", "err.http.response"
                        + ".server_error", 503))));
        failing.add(id(workspace.addRecipe("Invoices to SFTP: nightly export", 12L,
                Behaviour.alwaysFail("500 Internal Server Error: {\"error\":\"NullPointerException in ExportJob\"}",
                        "err.http.response.server_error", 500))));
        failing.add(id(workspace.addRecipe("Workday to Okta: onboarding", 12L, Behaviour.authError())));
        List<Long> healthy = new ArrayList<>();
        healthy.add(id(workspace.addRecipe("Zendesk to Jira: escalations", 13L, Behaviour.healthy())));
        healthy.add(id(workspace.addRecipe("HubSpot to Snowflake: contacts", 13L, Behaviour.healthy())));
        healthy.add(id(workspace.addRecipe("Stripe to NetSuite: payments", 11L, Behaviour.healthy())));
        long first = demo.firstTrigger().toMillis();
        for (long id : failing) {
            timer.schedule(() -> workspace.trigger(id, 1), first, TimeUnit.MILLISECONDS);
        }
        long every = demo.healthyEvery().toMillis();
        for (long id : healthy) {
            timer.scheduleWithFixedDelay(() -> workspace.trigger(id, 1), first, every, TimeUnit.MILLISECONDS);
        }
        log.info("Demo workspace: {} recipes; failing recipes run their first job in {} s", failing.size()
                + healthy.size(), first / 1000);
    }

    private static long id(java.util.Map<String, Object> recipe) {
        return ((Number) recipe.get("id")).longValue();
    }
}
