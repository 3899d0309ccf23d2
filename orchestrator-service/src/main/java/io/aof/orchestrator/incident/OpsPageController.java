package io.aof.orchestrator.incident;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.view.RedirectView;

import java.util.Map;

/**
 * The built-in ops page ({@code /ops/}, static files of this service): where the
 * page finds the logger's timeline API ({@code aof.ops.logger-url}).
 */
@RestController
class OpsPageController {

    private final String loggerUrl;

    OpsPageController(@Value("${aof.ops.logger-url:http://localhost:8085}") String loggerUrl) {
        this.loggerUrl = loggerUrl.endsWith("/") ? loggerUrl.substring(0, loggerUrl.length() - 1) : loggerUrl;
    }

    @GetMapping("/ops/config.json")
    Map<String, String> config() {
        return Map.of("loggerUrl", loggerUrl);
    }

    @GetMapping({"/ops", "/ops/"})
    RedirectView page() {
        return new RedirectView("/ops/index.html");
    }
}
