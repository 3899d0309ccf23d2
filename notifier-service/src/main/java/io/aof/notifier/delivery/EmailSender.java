package io.aof.notifier.delivery;

import io.aof.common.events.NotificationRequested;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Storm;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.MimeMessage;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    public Delivery deliver(UUID id, String recipients, NotificationRequested n, Thread thread) {
        String parent = thread != null && n.kind() != NotificationRequested.Kind.REPORT ? thread.parentRef() : null;
        return send(id, recipients, MailContent.of(n, workatoAppUrl), n.dedupKey(), parent);
    }

    @Override
    public Delivery deliverDigest(UUID id, String recipients, Digest digest) {
        return send(id, recipients, MailContent.digest(digest, workatoAppUrl), "digest:" + digest.id(), null);
    }

    /**
     * A signature storm's start, end or follow-up, one mail each (its end and follow-ups in reply to its start,
     * one conversation); a mail cannot be edited, so an edit sends nothing, nor does a start already sent.
     */
    @Override
    public Delivery deliverStorm(UUID id, String recipients, Storm.Message message, Thread thread) {
        boolean started = thread != null && thread.started();
        if (message.kind() == Storm.Kind.STORM_UPDATED || (started && message.kind() == Storm.Kind.STORM_STARTED)) {
            return new Delivery(started ? thread.parentRef() : null, null);
        }
        return send(id, recipients, MailContent.storm(message), "storm:" + message.storm().id() + ":"
                + message.kind(), started ? thread.parentRef() : null);
    }

    /** Only to build messages (the sender sends them through its own): one for all. */
    private static final Session SESSION = Session.getInstance(new Properties());

    /**
     * One message; a follow-up of an incident names the first one, so mail clients show one conversation. Its
     * Message-ID is the notification's ({@code <id@aof>}): SMTP cannot be asked whether it took a message whose
     * answer was lost, so such a message is sent again, but as the same message, which mail systems can tell.
     */
    private Delivery send(UUID id, String recipients, MailContent content, String dedupKey, String inReplyTo) {
        try {
            String messageId = "<" + id + "@aof>";
            MimeMessage message = new MimeMessage(SESSION) {
                @Override
                protected void updateMessageID() throws MessagingException {
                    setHeader("Message-ID", messageId);
                }
            };
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
            throw classify(e);
        }
    }

    /** The reasons an e-mail row is failed for good (metric tags). */
    static final List<String> PERMANENT_REASONS = List.of("smtp_550", "smtp_551", "smtp_552", "smtp_553",
            "smtp_554", "smtp_501", "smtp_5xx", "invalid_address", "invalid_message");

    private static final Pattern REPLY = Pattern.compile("^([2-5]\\d\\d)[ -].*", Pattern.DOTALL);

    /**
     * What the SMTP server's answer means for the row: a 5xx reply (550 mailbox unavailable, 553 address
     * refused, 554 rejected, ...) and an unparseable address or message fail it for good; 530/534/535 and
     * refused authentication are the login's (the channel waits, the admin is told); 4xx and no answer at all
     * (connection refused, timeout) are tried again.
     */
    static DeliveryException classify(Exception e) {
        String message = "SMTP: " + e.getMessage();
        List<Throwable> chain = chain(e);
        if (chain.stream().anyMatch(t -> t instanceof MailAuthenticationException
                || t instanceof AuthenticationFailedException)) {
            return DeliveryException.credentials("smtp_auth", message);
        }
        for (Throwable t : chain) {
            int code = replyCode(t);
            if (code == 530 || code == 534 || code == 535) {
                return DeliveryException.credentials("smtp_auth", message + " (" + t.getMessage() + ")");
            }
            if (code >= 500) {
                String reason = "smtp_" + code;
                return DeliveryException.permanent(PERMANENT_REASONS.contains(reason) ? reason : "smtp_5xx",
                        message + (t == e ? "" : " (" + t.getMessage() + ")"));
            }
            if (code >= 400) {
                return new DeliveryException(message + (t == e ? "" : " (" + t.getMessage() + ")"), null);
            }
        }
        if (chain.stream().anyMatch(t -> t instanceof AddressException)) {
            return DeliveryException.permanent("invalid_address", message);
        }
        if (chain.stream().anyMatch(t -> t instanceof MailParseException || t instanceof MailPreparationException)) {
            return DeliveryException.permanent("invalid_message", message);
        }
        return new DeliveryException(message, null);
    }

    /** The exception, its causes, the mail API's next exceptions and the failures of each message sent. */
    private static List<Throwable> chain(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        ArrayDeque<Throwable> todo = new ArrayDeque<>(List.of(e));
        while (!todo.isEmpty() && out.size() < 20) {
            Throwable t = todo.poll();
            if (out.stream().anyMatch(o -> o == t)) {
                continue;
            }
            out.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            if (t instanceof MessagingException m && m.getNextException() != null) {
                todo.add(m.getNextException());
            }
            if (t instanceof MailSendException m) {
                todo.addAll(m.getFailedMessages().values());
            }
        }
        return out;
    }

    /** The SMTP reply code an exception carries (Angus Mail's SMTP exceptions), or its message starts with. */
    private static int replyCode(Throwable t) {
        try {
            Object code = t.getClass().getMethod("getReturnCode").invoke(t);
            if (code instanceof Integer i && i > 0) {
                return i;
            }
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // not an SMTP exception: the message may still start with the server's reply
        }
        String m = t.getMessage();
        if (m != null) {
            Matcher r = REPLY.matcher(m.strip());
            if (r.matches()) {
                return Integer.parseInt(r.group(1));
            }
        }
        return -1;
    }
}
