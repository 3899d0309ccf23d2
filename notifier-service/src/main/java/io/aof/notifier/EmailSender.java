package io.aof.notifier;

import io.aof.common.events.NotificationRequested;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;

import java.nio.charset.StandardCharsets;

/**
 * Sends a notification as one e-mail with an HTML and a plain-text part of the
 * same content ({@link MailContent}), through Spring Mail ({@code spring.mail.*}).
 * The target is a comma-separated list of recipients.
 */
class EmailSender implements Channel {

    private final JavaMailSender mail;
    private final String from;
    private final String workatoAppUrl;

    EmailSender(JavaMailSender mail, String from, String workatoAppUrl) {
        this.mail = mail;
        this.from = from;
        this.workatoAppUrl = workatoAppUrl;
    }

    @Override
    public String kind() {
        return "email";
    }

    @Override
    public Delivery deliver(String recipients, NotificationRequested n, Thread thread) {
        String parent = thread != null && n.kind() != NotificationRequested.Kind.REPORT ? thread.parentRef() : null;
        return send(recipients, MailContent.of(n, workatoAppUrl), n.dedupKey(), parent);
    }

    @Override
    public Delivery deliverDigest(String recipients, Digest digest) {
        return send(recipients, MailContent.digest(digest, workatoAppUrl), "digest:" + digest.id(), null);
    }

    /** One message; a follow-up of an incident names the first one, so mail clients show one conversation. */
    private Delivery send(String recipients, MailContent content, String dedupKey, String inReplyTo) {
        try {
            MimeMessage message = mail.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(message, true, StandardCharsets.UTF_8.name());
            helper.setFrom(from);
            helper.setTo(recipients.split(","));
            helper.setSubject(content.subject());
            helper.setText(content.text(), content.html());
            message.setHeader("X-AOF-Dedup-Key", dedupKey);
            if (inReplyTo != null) {
                message.setHeader("In-Reply-To", inReplyTo);
                message.setHeader("References", inReplyTo);
            }
            mail.send(message);
            return new Delivery(message.getMessageID(), null);
        } catch (MessagingException | MailException e) {
            throw new DeliveryException("SMTP: " + e.getMessage(), null);
        }
    }
}
