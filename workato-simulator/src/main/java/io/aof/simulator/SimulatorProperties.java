package io.aof.simulator;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The simulator's settings ({@code sim.*}). Limits default to Workato's:
 * 60 reads a minute, one {@code repeat_jobs} a second with at most 25 ids.
 *
 * @param apiToken      the bearer token the fake Workato API accepts; empty accepts any non-empty token
 * @param readsPerMinute limit on recipe and job reads (0 = unlimited)
 * @param repeatsPerSecond limit on {@code repeat_jobs} calls (0 = unlimited)
 * @param jobDuration   how long a job runs before it succeeds or fails
 * @param jobsPageSize  default page size of a job listing
 * @param seed          random seed for job ids and failure rates (0 = from the clock)
 * @param firstRecipeId id of the first recipe created; a fresh simulator is a fresh workspace, and the local
 *                      run gives each start new ids so that AOF's saved cursors never mistake them for old ones
 * @param slackToken    the bot token the Slack sink accepts; empty accepts any non-empty token
 * @param demo          whether to create the demo workspace at start
 * @param smtpPort      port of the mail catcher (SMTP); unset: no mail catcher
 * @param repeatSucceeded whether {@code repeat_jobs} repeats a job that succeeded. Workato does not document
 *                      it (its UI offers rerun for failed jobs only), so the default refuses it, answering
 *                      "failed" for that id, which is the safe assumption; set true to model the opposite
 * @param oidc          the fake single sign-on provider
 */
@ConfigurationProperties("sim")
public record SimulatorProperties(
        @DefaultValue("") String apiToken,
        @DefaultValue("60") int readsPerMinute,
        @DefaultValue("1") int repeatsPerSecond,
        @DefaultValue("2s") Duration jobDuration,
        @DefaultValue("100") int jobsPageSize,
        @DefaultValue("0") long seed,
        @DefaultValue("1001") long firstRecipeId,
        @DefaultValue("") String slackToken,
        @DefaultValue Demo demo,
        Integer smtpPort,
        @DefaultValue("false") boolean repeatSucceeded,
        @DefaultValue Oidc oidc) {

    /**
     * A fake OIDC provider at {@code /oidc} (discovery, authorization code with PKCE, token, JWK set), for the
     * ops page's single sign-on in tests and the local run. Its sign-in form asks only for a user name: it
     * proves the flow, not anyone's identity.
     *
     * @param audience      the {@code aud} of the access tokens it issues
     * @param clientId      the one public client it knows (the ops page)
     * @param users         user name to roles (the {@code roles} claim), e.g. {@code sim.oidc.users.olga=operator}
     * @param tokenLifetime how long an access token is valid
     */
    public record Oidc(@DefaultValue("aof") String audience, @DefaultValue("aof-ops-page") String clientId,
                       @DefaultValue java.util.Map<String, java.util.List<String>> users,
                       @DefaultValue("15m") Duration tokenLifetime) {
    }

    /**
     * @param enabled       create the demo recipes
     * @param firstTrigger  when the demo recipes' first jobs run after start
     * @param healthyEvery  how often the healthy demo recipes run a job
     */
    public record Demo(@DefaultValue("false") boolean enabled, @DefaultValue("15s") Duration firstTrigger,
                       @DefaultValue("20s") Duration healthyEvery) {
    }
}
