package io.aof.notifier;

import com.slack.api.model.block.LayoutBlock;
import io.aof.common.events.NotificationRequested;

import java.util.ArrayList;
import java.util.List;

import static com.slack.api.model.block.Blocks.context;
import static com.slack.api.model.block.Blocks.header;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.markdownText;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;

/**
 * The Slack form of a notification: a plain-text fallback and Block Kit blocks
 * with the recipe and job (linked into Workato), category, attempt and an error
 * excerpt. Everything that came from a job is escaped ({@code &}, {@code <},
 * {@code >}), so an error message can never mention {@code <!channel>}, a user,
 * or forge a link.
 */
record SlackMessage(String text, List<LayoutBlock> blocks) {

    private static final int ERROR_EXCERPT = 500;

    static SlackMessage of(NotificationRequested n, String workatoAppUrl) {
        String icon = switch (n.kind()) {
            case FIRST_FAILURE, ATTEMPT_FAILED -> ":warning:";
            case RECIPE_STOPPED -> ":octagonal_sign:";
            case NON_RETRYABLE -> ":no_entry:";
            case RECOVERED -> ":white_check_mark:";
            case EXHAUSTED -> ":rotating_light:";
        };
        String recipe = escape(n.recipeName() != null ? n.recipeName() : "recipe " + n.recipeId());
        String recipeUrl = workatoAppUrl + "/recipes/" + n.recipeId();
        boolean hasJob = n.jobId() != null && !n.jobId().isBlank() && !"-".equals(n.jobId());
        String jobUrl = recipeUrl + "/job/" + n.jobId();
        String attempt = n.attempt() == null ? "-" : n.attempt() + " of " + n.maxAttempts();
        String text = icon + " " + escape(n.title()) + ": " + recipe + " (job " + escape(n.jobId()) + ", "
                + escape(n.category()) + ", attempt " + attempt + ")";

        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(header(h -> h.text(plainText(icon + " " + n.title(), true))));
        blocks.add(section(s -> s.fields(List.of(
                markdownText("*Recipe*\n<" + recipeUrl + "|" + recipe + ">"),
                markdownText("*Job*\n" + (hasJob ? "<" + jobUrl + "|" + escape(n.jobId()) + ">" : "-")),
                markdownText("*Category*\n" + escape(n.category())),
                markdownText("*Attempt*\n" + attempt)))));
        if (n.error() != null && !n.error().isBlank()) {
            String excerpt = n.error().length() > ERROR_EXCERPT ? n.error().substring(0, ERROR_EXCERPT) + "..."
                    : n.error();
            blocks.add(section(s -> s.text(markdownText("*Error*\n```" + escape(excerpt).replace("```", "'''")
                    + "```"))));
        }
        blocks.add(context(c -> c.elements(List.of(markdownText("Incident `" + escape(n.incidentId()) + "` · "
                + n.severity() + " · AOF")))));
        return new SlackMessage(text, blocks);
    }

    /** Slack's three control characters; after this, text cannot form a mention or a link. */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
