package io.aof.notifier.delivery;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.aof.common.events.AofEvent;
import io.aof.common.events.NotificationRequested;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** E-mail through a real SMTP server (GreenMail) in the test JVM: one message, a text and an HTML part. */
class EmailSenderTest {

    static GreenMail smtp;
    static EmailSender sender;

    @BeforeAll
    static void start() {
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        JavaMailSenderImpl mail = new JavaMailSenderImpl();
        mail.setHost("127.0.0.1");
        mail.setPort(smtp.getSmtp().getPort());
        sender = new EmailSender(mail, "aof@example.com", "https://app.workato.com");
    }

    @AfterAll
    static void stop() {
        smtp.stop();
    }

    @BeforeEach
    void reset() throws Exception {
        smtp.purgeEmailFromAllMailboxes();
    }

    @Test
    void alertGoesToEveryRecipientWithTextAndHtmlParts() throws Exception {
        NotificationRequested n = new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION,
                "acme", 42L, "j-AAA", "acme:42:j-AAA", 5, NotificationRequested.Audience.SUPER_ADMIN,
                NotificationRequested.Kind.EXHAUSTED, NotificationRequested.Severity.CRITICAL, "dedup-1",
                "Job still failing after all retries", "Orders <b>sync</b>", "UPSTREAM_5XX", 5,
                "503 Service Unavailable <script>alert(1)</script>", null, null, null);

        UUID id = UUID.randomUUID();
        String messageId = sender.deliver(id, "ops@example.com,lead@example.com", n, null).ref();
        // the notification's own: sent again after a lost answer, it is the same message
        assertThat(messageId).isEqualTo("<" + id + "@aof>");

        assertThat(smtp.waitForIncomingEmail(5000, 2)).isTrue();
        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received).hasSize(2);
        MimeMessage m = received[0];
        assertThat(m.getMessageID()).isEqualTo(messageId);
        assertThat(m.getSubject()).isEqualTo("[AOF CRITICAL] Job still failing after all retries: Orders <b>sync</b>");
        assertThat(m.getHeader("X-AOF-Dedup-Key")).containsExactly("dedup-1");
        List<BodyPart> parts = leaves((Multipart) m.getContent());
        assertThat(parts).extracting(p -> p.getContentType().split(";")[0].toLowerCase())
                .containsExactly("text/plain", "text/html");
        String text = (String) parts.get(0).getContent();
        String html = (String) parts.get(1).getContent();
        assertThat(text).contains("Recipe:   Orders <b>sync</b> (https://app.workato.com/recipes/42)",
                "Job:      j-AAA (https://app.workato.com/recipes/42/job/j-AAA)", "Attempt:  5 of 5",
                "503 Service Unavailable <script>alert(1)</script>");
        assertThat(html).contains("<a href=\"https://app.workato.com/recipes/42\">Orders &lt;b&gt;sync&lt;/b&gt;</a>",
                "<a href=\"https://app.workato.com/recipes/42/job/j-AAA\">j-AAA</a>", "<td>5 of 5</td>",
                "&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>");
    }

    @Test
    void aFollowUpNamesTheIncidentsFirstMailSoClientsThreadThem() throws Exception {
        NotificationRequested first = alert(NotificationRequested.Kind.FIRST_FAILURE, 1);
        String parent = sender.deliver(UUID.randomUUID(), "ops@example.com", first, new Channel.Thread(null, null, null)).ref();
        sender.deliver(UUID.randomUUID(), "ops@example.com", alert(NotificationRequested.Kind.RECOVERED, 2),
                new Channel.Thread(parent, null, first));

        assertThat(smtp.waitForIncomingEmail(5000, 2)).isTrue();
        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received[0].getHeader("In-Reply-To")).isNull();
        assertThat(received[1].getHeader("In-Reply-To")).containsExactly(parent);
        assertThat(received[1].getHeader("References")).containsExactly(parent);
        assertThat(received[1].getSubject()).isEqualTo("[AOF INFO] Job recovered: Orders");
    }

    private static NotificationRequested alert(NotificationRequested.Kind kind, int attempt) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "acme", 42L,
                "j-BBB", "acme:42:j-BBB", attempt, NotificationRequested.Audience.OPS, kind,
                kind == NotificationRequested.Kind.RECOVERED ? NotificationRequested.Severity.INFO
                        : NotificationRequested.Severity.WARNING, "k-" + kind,
                kind == NotificationRequested.Kind.RECOVERED ? "Job recovered" : "Job failed; retrying", "Orders",
                "TIMEOUT", 5, kind == NotificationRequested.Kind.RECOVERED ? null : "timeout", null, null, null);
    }

    /** An outage's start and end mails: its summary and detail, in one conversation; no recipe, job or attempt. */
    @Test
    void anOutageIsTwoMailsInOneConversationWithItsSummaryAndDetail() throws Exception {
        NotificationRequested started = SlackMessageTest.outage(NotificationRequested.Kind.OUTAGE_STARTED,
                "netsuite unreachable: 37 jobs, 9 recipes, since 10:02 UTC — probing every 5 min",
                "last probe <10:37>: connect timed out", null);
        NotificationRequested ended = SlackMessageTest.outage(NotificationRequested.Kind.OUTAGE_ENDED,
                "netsuite reachable again after 47 min", null, "TIMEOUT");
        String parent = sender.deliver(UUID.randomUUID(), "ops@example.com", started,
                new Channel.Thread(null, null, null)).ref();
        sender.deliver(UUID.randomUUID(), "ops@example.com", ended, new Channel.Thread(parent, null, started));

        assertThat(smtp.waitForIncomingEmail(5000, 2)).isTrue();
        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received[0].getSubject()).isEqualTo("[AOF WARNING] Outage: netsuite unreachable: 37 jobs, "
                + "9 recipes, since 10:02 UTC — probing every 5 min");
        assertThat(received[1].getSubject()).isEqualTo("[AOF WARNING] Outage over: netsuite reachable again after "
                + "47 min");
        assertThat(received[1].getHeader("In-Reply-To")).containsExactly(parent);
        List<BodyPart> first = leaves((Multipart) received[0].getContent());
        assertThat((String) first.get(0).getContent()).contains("last probe <10:37>: connect timed out",
                "Outage:   outage-42").doesNotContain("Category", "Recipe", "Job", "Attempt", "null");
        assertThat((String) first.get(1).getContent()).contains("last probe &lt;10:37&gt;: connect timed out",
                "<code>outage-42</code>").doesNotContain("Recipe", "Attempt", "null", "<10:37>");
        List<BodyPart> last = leaves((Multipart) received[1].getContent());
        assertThat((String) last.get(0).getContent()).contains("Category: TIMEOUT")
                .doesNotContain("Recipe", "Attempt", "null");
    }

    @Test
    void reportGoesAsOneMessageWithBothParts() throws Exception {
        sender.deliver(UUID.randomUUID(), "reports@example.com", NotificationRequested.report(ReportRenderingTest.sample(), "r-1"), null);

        assertThat(smtp.waitForIncomingEmail(5000, 1)).isTrue();
        MimeMessage m = smtp.getReceivedMessages()[0];
        assertThat(m.getSubject()).startsWith("[AOF] Job report daily, 2026-11-24 08:00 to 2026-11-25 08:00");
        List<BodyPart> parts = leaves((Multipart) m.getContent());
        assertThat((String) parts.get(0).getContent()).contains("Jobs succeeded:          235");
        assertThat((String) parts.get(1).getContent()).contains("<tr><th align=\"left\">Jobs succeeded</th><td>235</td>");
    }

    @Test
    void anSmtpServerThatIsDownIsARetryableFailure() {
        JavaMailSenderImpl down = new JavaMailSenderImpl();
        down.setHost("127.0.0.1");
        down.setPort(1);   // nothing listens there
        EmailSender s = new EmailSender(down, "aof@example.com", "https://app.workato.com");
        assertThatThrownBy(() -> s.deliver(UUID.randomUUID(), "ops@example.com", NotificationRequested.report(
                ReportRenderingTest.sample(), "r-2"), null))
                .isInstanceOf(DeliveryException.class).hasMessageStartingWith("SMTP: ");
    }

    @Test
    void smtpRepliesAreClassifiedPermanentForFiveHundredsTransientForFourHundredsCredentialsForTheLogin()
            throws Exception {
        jakarta.mail.internet.InternetAddress to = new jakarta.mail.internet.InternetAddress("gone@example.com");
        // what Spring Mail throws when Angus Mail's transport reports a refused recipient
        Exception unknownUser = new org.springframework.mail.MailSendException("Failed messages",
                new jakarta.mail.SendFailedException("Invalid Addresses", new jakarta.mail.SendFailedException(
                        "Invalid Addresses", new org.eclipse.angus.mail.smtp.SMTPAddressFailedException(to,
                        "RCPT TO:<gone@example.com>", 550, "550 5.1.1 <gone@example.com>: user unknown"))));
        assertThat(EmailSender.classify(unknownUser)).satisfies(e -> {
            assertThat(e.fault).isEqualTo(DeliveryException.Fault.PERMANENT);
            assertThat(e.reason).isEqualTo("smtp_550");
            assertThat(e.getMessage()).contains("user unknown");
        });
        Exception rejected = new org.springframework.mail.MailSendException("Failed messages",
                new org.eclipse.angus.mail.smtp.SMTPSendFailedException("DATA", 554,
                        "554 5.7.1 Message rejected as spam", null, null, null, null));
        assertThat(EmailSender.classify(rejected).reason).isEqualTo("smtp_554");
        Exception greylisted = new org.springframework.mail.MailSendException("Failed messages",
                new org.eclipse.angus.mail.smtp.SMTPAddressFailedException(to, "RCPT TO", 451,
                        "451 4.7.1 Greylisted, try again later"));
        assertThat(EmailSender.classify(greylisted).fault).isEqualTo(DeliveryException.Fault.TRANSIENT);
        assertThat(EmailSender.classify(new org.springframework.mail.MailAuthenticationException(
                new jakarta.mail.AuthenticationFailedException("535 5.7.8 bad credentials"))).fault)
                .isEqualTo(DeliveryException.Fault.CREDENTIALS);
        assertThat(EmailSender.classify(new org.springframework.mail.MailParseException(
                new jakarta.mail.internet.AddressException("Illegal address", "a@@b"))).reason)
                .isEqualTo("invalid_address");
        assertThat(EmailSender.classify(new org.springframework.mail.MailSendException("Mail server connection "
                + "failed", new jakarta.mail.MessagingException("Couldn't connect to host"))).fault)
                .isEqualTo(DeliveryException.Fault.TRANSIENT);
    }

    @Test
    void anInvalidRecipientIsRefusedForGood() {
        assertThatThrownBy(() -> sender.deliver(UUID.randomUUID(), "not an address@@", NotificationRequested.report(
                ReportRenderingTest.sample(), "r-3"), null)).isInstanceOfSatisfying(DeliveryException.class,
                e -> assertThat(e.fault).isEqualTo(DeliveryException.Fault.PERMANENT));
    }

    /** The leaf parts of a (nested) multipart, in order. */
    private static List<BodyPart> leaves(Multipart mp) throws Exception {
        List<BodyPart> out = new ArrayList<>();
        for (int i = 0; i < mp.getCount(); i++) {
            BodyPart p = mp.getBodyPart(i);
            if (p.getContent() instanceof Multipart nested) {
                out.addAll(leaves(nested));
            } else {
                out.add(p);
            }
        }
        return out;
    }
}
