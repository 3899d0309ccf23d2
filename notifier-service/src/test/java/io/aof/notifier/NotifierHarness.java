package io.aof.notifier;

import io.aof.common.messaging.Outbox;
import io.aof.notifier.delivery.NotificationDispatcher;
import io.aof.notifier.delivery.RefusalAlerts;
import io.aof.notifier.intake.Router;
import io.aof.notifier.intake.RouterTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the tests of the notifier from the request to what Slack gets share: the notifier's schema
 * ({@link NotifierDb}, emptied for each test), the HTTP fake of Slack's Web API, and the notifier's parts and
 * dispatcher wired on them as Spring wires them, with the settings each test gives.
 */
public abstract class NotifierHarness {

    public JdbcTemplate jdbc;
    public TransactionTemplate tx;
    public FakeSlack slack;
    public SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void startHarness() throws Exception {
        DataSource ds = NotifierDb.emptied();
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        slack = new FakeSlack();
    }

    @AfterEach
    void stopHarness() {
        slack.close();
    }

    public record Notifier(NotifierParts parts, Router router, NotificationDispatcher dispatcher,
            NotifierController api) {
    }

    /** The notifier on Slack's fake ({@code #ops}, admin {@code #admin}) with {@code settings} besides. */
    public Notifier notifier(Map<String, String> settings) {
        Map<String, String> p = new HashMap<>(Map.of(
                "aof.notifier.slack.api-url", slack.apiUrl(),
                "aof.notifier.slack.bot-token", "xoxb-test",
                "aof.notifier.slack.channel", "#ops",
                "aof.notifier.slack.admin-channel", "#admin"));
        p.putAll(settings);
        NotifierProperties props = RouterTest.bind(p);
        NotifierParts parts = NotifierParts.of(jdbc, props, meters, Clock.systemUTC());
        Router router = new Router(props);
        RefusalAlerts refusals = new RefusalAlerts(parts.refusals(), router, parts.intake(), props, meters,
                Clock.systemUTC(), NotifierParts.aof());
        NotificationDispatcher dispatcher = new NotificationDispatcher(tx, new Outbox(jdbc), parts.notifications(),
                parts.threads(), parts.digests(), parts.storms(), parts.escalations(), parts.fallbacks(), props, meters,
                new DefaultListableBeanFactory().getBeanProvider(JavaMailSender.class), router, refusals,
                Clock.systemUTC());
        return new Notifier(parts, router, dispatcher, new NotifierController(parts.notifications(), null, null,
                parts.storms()));
    }

    /** A few dispatch rounds, no waiting: enough for every row that is due to be tried. */
    public void rounds(Notifier notifier, int n) {
        for (int i = 0; i < n; i++) {
            notifier.dispatcher().dispatch();
        }
    }

    public List<FakeSlack.Call> posts(String channel) {
        return slack.delivered(channel).stream().filter(c -> c.method().equals("chat.postMessage")).toList();
    }

    /** The first message's edits: chat.update goes to the channel's id, which Slack answered the first post with. */
    public List<FakeSlack.Call> edits(String channel) {
        return slack.delivered(FakeSlack.channelId(channel)).stream().filter(c -> c.method().equals("chat.update"))
                .toList();
    }
}
