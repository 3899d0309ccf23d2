package io.aof.simulator;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mail catcher for the local run: a real SMTP server (GreenMail) on
 * {@code sim.smtp-port} that keeps every message, readable at
 * {@code GET /sim/mail/messages} (subject, recipients, the text and HTML parts).
 */
public class MailSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("mail-sink");

    private final GreenMail smtp;

    MailSink(int port) {
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        log.info("[mail-sink] SMTP on 127.0.0.1:{}", smtp.getSmtp().getPort());
    }

    public int port() {
        return smtp.getSmtp().getPort();
    }

    public List<Map<String, Object>> messages() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            Map<String, Object> row = new LinkedHashMap<>();
            try {
                row.put("from", Arrays.stream(m.getFrom()).map(Object::toString).toList());
                row.put("to", Arrays.stream(m.getAllRecipients()).map(Object::toString).toList());
                row.put("subject", m.getSubject());
                row.put("message_id", m.getMessageID());
                String[] inReplyTo = m.getHeader("In-Reply-To");
                row.put("in_reply_to", inReplyTo == null || inReplyTo.length == 0 ? null : inReplyTo[0]);
                Map<String, String> parts = new LinkedHashMap<>();
                collect(m.getContent(), m.getContentType(), parts);
                row.put("text", parts.get("text/plain"));
                row.put("html", parts.get("text/html"));
            } catch (Exception e) {
                row.put("error", e.toString());
            }
            out.add(row);
        }
        return out;
    }

    public void clear() {
        try {
            smtp.purgeEmailFromAllMailboxes();
        } catch (Exception e) {
            throw new IllegalStateException("could not clear the mail sink", e);
        }
    }

    private static void collect(Object content, String type, Map<String, String> parts) throws Exception {
        if (content instanceof Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart p = mp.getBodyPart(i);
                collect(p.getContent(), p.getContentType(), parts);
            }
        } else if (content instanceof String s) {
            parts.putIfAbsent(type.split(";")[0].trim().toLowerCase(), s);
        }
    }

    @Override
    public void close() {
        smtp.stop();
    }
}
