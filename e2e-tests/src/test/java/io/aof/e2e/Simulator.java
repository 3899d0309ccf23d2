package io.aof.e2e;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** The simulator's /sim controls, as a test uses them. */
final class Simulator {

    private final String url;

    Simulator(String url) {
        this.url = url;
    }

    long addRecipe(String name, String behaviourJson) {
        Http.Response r = Http.post(url + "/sim/recipes", "{\"name\":\"" + name + "\",\"behaviour\":" + behaviourJson
                + "}");
        if (r.status() != 201) {
            throw new AssertionError("creating a recipe answered " + r.status() + ": " + r.body());
        }
        return r.json().get("id").asLong();
    }

    /** A recipe whose failing step uses {@code connector} (a Workato adapter name such as netsuite). */
    long addRecipe(String name, String behaviourJson, String connector) {
        Http.Response r = Http.post(url + "/sim/recipes", "{\"name\":\"" + name + "\",\"behaviour\":" + behaviourJson
                + ",\"connector\":\"" + connector + "\"}");
        if (r.status() != 201) {
            throw new AssertionError("creating a recipe answered " + r.status() + ": " + r.body());
        }
        return r.json().get("id").asLong();
    }

    /** Every job of every recipe using {@code connector} fails with that connector's error until it is back. */
    void connectorDown(String connector, int seconds) {
        Http.Response r = Http.send("PUT", url + "/sim/connectors/" + connector + "/outage?seconds=" + seconds, "");
        if (r.status() != 200) {
            throw new AssertionError("starting an outage of " + connector + " answered " + r.status() + ": " + r.body());
        }
    }

    void connectorBack(String connector) {
        Http.delete(url + "/sim/connectors/" + connector + "/outage");
    }

    /**
     * A recipe whose jobs fail once and succeed when repeated, left out of polling: for tests that hand
     * recovery its requests themselves. Only a failed job may be repeated (the simulator refuses a succeeded
     * one, as AOF must never ask for it), and a polled failure would add a second, orchestrated repeat.
     */
    long addFailsOnceUnpolledRecipe(String name) {
        return addRecipe(AofSuite.WEBHOOK_ONLY + name,
                "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,\"error\":\"Connection reset by peer\"}");
    }

    /** The job's status in the simulated Workato (pending, succeeded, failed). */
    String status(String jobId) {
        return Http.getJson(url + "/sim/jobs/" + jobId).get("status").asString();
    }

    /** Triggers one job and waits until it has ended; returns its id. */
    String run(long recipeId) {
        String job = trigger(recipeId);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> !"pending".equals(status(job)));
        return job;
    }

    String trigger(long recipeId) {
        Http.Response r = Http.post(url + "/sim/recipes/" + recipeId + "/trigger", "");
        return r.json().get("job_ids").get(0).asString();
    }

    /** How many repeats of this original job ran and succeeded. */
    int succeededRepeatsOf(String jobId) {
        int n = 0;
        for (JsonNode j : Http.getJson(url + "/sim/jobs")) {
            if (jobId.equals(j.path("master_job_id").asString(null)) && "succeeded".equals(j.get("status").asString())) {
                n++;
            }
        }
        return n;
    }

    /** How many repeats Workato created for this original job. */
    int repeatsOf(String jobId) {
        JsonNode n = Http.getJson(url + "/sim/calls").get("repeats_by_original_job").get(jobId);
        return n == null ? 0 : n.asInt();
    }

    /** repeat_jobs calls that Workato answered 200. */
    long repeatCalls() {
        JsonNode n = Http.getJson(url + "/sim/calls").get("api").get("calls").get("repeat_jobs");
        return n == null || n.get("200") == null ? 0 : n.get("200").asLong();
    }

    /** Mails the simulator's mail catcher received for a recipient. */
    List<JsonNode> mails(String to) {
        List<JsonNode> out = new ArrayList<>();
        Http.getJson(url + "/sim/mail/messages?to=" + java.net.URLEncoder.encode(to,
                java.nio.charset.StandardCharsets.UTF_8)).forEach(out::add);
        return out;
    }

    /** The sink's messages in a channel, as stored (method, text, blocks, thread_ts, ts), oldest first. */
    List<JsonNode> slackMessages(String channel) {
        List<JsonNode> out = new ArrayList<>();
        Http.getJson(url + "/sim/slack/messages?channel=" + java.net.URLEncoder.encode(channel,
                java.nio.charset.StandardCharsets.UTF_8)).forEach(out::add);
        return out;
    }

    /** Slack answers {@code status} (503, or 429 with Retry-After) to a channel's next {@code times} messages. */
    void slackTrouble(String channel, int status, int retryAfterSeconds, int times) {
        Http.Response r = Http.send("PUT", url + "/sim/slack/trouble?channel=" + java.net.URLEncoder.encode(channel,
                java.nio.charset.StandardCharsets.UTF_8) + "&status=" + status + "&retryAfter=" + retryAfterSeconds
                + "&times=" + times, "");
        if (r.status() != 200) {
            throw new AssertionError("slack trouble answered " + r.status() + ": " + r.body());
        }
    }

    void slackBack(String channel) {
        Http.delete(url + "/sim/slack/trouble?channel=" + java.net.URLEncoder.encode(channel,
                java.nio.charset.StandardCharsets.UTF_8));
    }

    List<String> slackTexts(String channel) {
        List<String> texts = new ArrayList<>();
        for (JsonNode m : Http.getJson(url + "/sim/slack/messages?channel=" + java.net.URLEncoder.encode(channel,
                java.nio.charset.StandardCharsets.UTF_8))) {
            // the sink keeps blocks as Slack received them (JSON with \\u003c escapes); normalize to read them
            JsonNode blocks = m.get("blocks");
            String readable = blocks == null || blocks.isNull() ? "" : Http.JSON.readTree(blocks.asString()).toString();
            texts.add(m.get("text").asString() + "\n" + readable);
        }
        return texts;
    }

    void setBehaviour(long recipeId, String behaviourJson) {
        Http.Response r = Http.send("PUT", url + "/sim/recipes/" + recipeId + "/behaviour", behaviourJson);
        if (r.status() != 200) {
            throw new AssertionError("setting the behaviour answered " + r.status() + ": " + r.body());
        }
    }

    void outage(int status, int seconds) {
        Http.Response r = Http.send("PUT", url + "/sim/outage?status=" + status + "&seconds=" + seconds, "");
        if (r.status() != 200) {
            throw new AssertionError("outage answered " + r.status() + ": " + r.body());
        }
    }

    void stopRecipe(long recipeId) {
        Http.post(url + "/sim/recipes/" + recipeId + "/stop", "");
    }

    String jobStatus(String jobId) {
        return Http.getJson(url + "/sim/jobs/" + jobId).get("status").asString();
    }

    /** Calls of an endpoint that Workato answered with this status. */
    long calls(String endpoint, int status) {
        JsonNode n = Http.getJson(url + "/sim/calls").get("api").get("calls").get(endpoint);
        return n == null || n.get(String.valueOf(status)) == null ? 0 : n.get(String.valueOf(status)).asLong();
    }

    /** Repeats a job directly at Workato, as if an earlier call of ours had gone through. */
    void repeatDirectly(long recipeId, String jobId, String token) {
        Http.Response r = Http.post(url + "/api/recipes/" + recipeId + "/repeat_jobs",
                "{\"job_ids\":[\"" + jobId + "\"]}", "Authorization", "Bearer " + token);
        if (r.status() != 200) {
            throw new AssertionError("repeat_jobs answered " + r.status() + ": " + r.body());
        }
    }
}
