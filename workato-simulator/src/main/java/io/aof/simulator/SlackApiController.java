package io.aof.simulator;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.json.JsonMapper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A sink that speaks Slack's Web API shape for {@code chat.postMessage},
 * {@code chat.update} and {@code auth.test}: form or JSON bodies, a bearer
 * token (or a {@code token} form field), and Slack's {@code {"ok": ...}} answers
 * (HTTP 200 even for errors, as Slack does).
 */
@RestController
@RequestMapping("/slack/api")
class SlackApiController {

    private final SlackSink sink;
    private final SimulatorProperties props;

    SlackApiController(SlackSink sink, SimulatorProperties props) {
        this.sink = sink;
        this.props = props;
    }

    @PostMapping(path = {"/chat.postMessage", "/chat.update"}, consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<Map<String, Object>> form(HttpServletRequest req,
                                             @RequestParam MultiValueMap<String, String> form) {
        Map<String, Object> body = new LinkedHashMap<>();
        form.forEach((k, v) -> body.put(k, v.isEmpty() ? null : v.get(0)));
        return handle(req, body);
    }

    @PostMapping(path = {"/chat.postMessage", "/chat.update"}, consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> json(HttpServletRequest req, @RequestBody Map<String, Object> body) {
        return handle(req, body);
    }

    /**
     * {@code conversations.history} and {@code conversations.replies} (form-encoded, as slack-api-client sends
     * them): the channel's messages after {@code oldest}, with their {@code metadata} when
     * {@code include_all_metadata} is true; one page (no {@code has_more}).
     */
    @PostMapping(path = {"/conversations.history", "/conversations.replies"},
            consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<Map<String, Object>> history(HttpServletRequest req,
                                                @RequestParam MultiValueMap<String, String> form) {
        if (!authorized(req, form.getFirst("token"))) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "not_authed"));
        }
        String channel = form.getFirst("channel");
        if (channel == null || channel.isBlank()) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "channel_not_found"));
        }
        SlackSink.Trouble trouble = sink.troubleFor(channel);
        if (trouble != null) {
            return ResponseEntity.status(trouble.status()).body(Map.of("ok", false, "error",
                    trouble.status() == 429 ? "ratelimited" : "service_unavailable"));
        }
        boolean replies = req.getRequestURI().endsWith("/conversations.replies");
        String thread = replies ? form.getFirst("ts") : null;
        if (replies && thread == null) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "thread_not_found"));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", true);
        answer.put("messages", sink.history(channel, thread, form.getFirst("oldest"),
                Set.of("1", "true").contains(form.getFirst("include_all_metadata"))));
        answer.put("has_more", false);
        answer.put("response_metadata", Map.of("next_cursor", ""));
        return ResponseEntity.ok(answer);
    }

    /** Slack's {@code metadata} argument: a JSON object (a string in a form body). */
    private static Object metadata(Object given) {
        if (given == null || given instanceof Map) {
            return given;
        }
        try {
            return MAPPER.readValue(given.toString(), Map.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @PostMapping("/auth.test")
    Map<String, Object> authTest(HttpServletRequest req, @RequestParam(required = false) String token) {
        if (!authorized(req, token)) {
            return Map.of("ok", false, "error", "invalid_auth");
        }
        return Map.of("ok", true, "url", "https://aof-sink.slack.com/", "team", "AOF sink", "user", "aof",
                "team_id", "T000SINK", "user_id", "U000AOF", "bot_id", "B000AOF");
    }

    private ResponseEntity<Map<String, Object>> handle(HttpServletRequest req, Map<String, Object> body) {
        String method = req.getRequestURI().substring(req.getRequestURI().lastIndexOf('/') + 1);
        if (!authorized(req, (String) body.get("token"))) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "not_authed"));
        }
        Object channel = body.get("channel");
        if (channel == null || channel.toString().isBlank()) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "channel_not_found"));
        }
        SlackSink.Trouble trouble = sink.troubleFor(channel.toString());
        if (trouble != null) {
            ResponseEntity.BodyBuilder refusal = ResponseEntity.status(trouble.status());
            if (trouble.status() == 429) {
                refusal.header("Retry-After", String.valueOf(trouble.retryAfterSeconds()));
            }
            return refusal.body(Map.of("ok", false, "error", trouble.status() == 429 ? "ratelimited"
                    : "service_unavailable"));
        }
        Object text = body.get("text");
        Object blocks = body.get("blocks");
        if ((text == null || text.toString().isBlank()) && blocks == null) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "no_text"));
        }
        if ("chat.update".equals(method) && body.get("ts") == null) {
            return ResponseEntity.ok(Map.of("ok", false, "error", "message_not_found"));
        }
        Map<String, Object> stored = sink.post(method, channel.toString(), text == null ? null : text.toString(),
                blocks == null ? null : blocks.toString(),
                body.get("thread_ts") == null ? null : body.get("thread_ts").toString(),
                "chat.update".equals(method) ? body.get("ts").toString() : null, metadata(body.get("metadata")));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", true);
        answer.put("channel", channel.toString());
        answer.put("ts", stored.get("ts"));
        answer.put("message", Map.of("text", text == null ? "" : text.toString(), "type", "message"));
        return ResponseEntity.ok(answer);
    }

    private boolean authorized(HttpServletRequest req, String formToken) {
        String auth = req.getHeader("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : formToken;
        if (token == null || token.isBlank()) {
            return false;
        }
        return props.slackToken().isEmpty() || props.slackToken().equals(token);
    }
}
