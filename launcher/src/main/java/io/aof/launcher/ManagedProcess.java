package io.aof.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the local run: its output goes to {@code .aof/logs/<name>.log}
 * and its pid to {@code .aof/run/<name>.pid}, so {@code ./aof down} can stop it
 * even when the launcher itself is gone.
 */
final class ManagedProcess {

    final String name;
    private final Process process;
    private final Path pidFile;

    private ManagedProcess(String name, Process process, Path pidFile) {
        this.name = name;
        this.process = process;
        this.pidFile = pidFile;
    }

    static ManagedProcess start(String name, List<String> command, Map<String, String> env, Path logs, Path run,
                                File workDir) throws IOException {
        Files.createDirectories(logs);
        Files.createDirectories(run);
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        Path pidFile = run.resolve(name + ".pid");
        Files.writeString(pidFile, Long.toString(p.pid()));
        return new ManagedProcess(name, p, pidFile);
    }

    long pid() {
        return process.pid();
    }

    /** kill -9: no shutdown hook, no goodbye; waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            process.onExit().get(30, TimeUnit.SECONDS);
            Files.deleteIfExists(pidFile);   // its pid may be reused: nothing may stop it by this file later
        } catch (Exception ignored) {
            // reported by the caller's checks
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitCode() {
        return process.exitValue();
    }

    /** SIGTERM, then SIGKILL after {@code grace}; removes the pid file. */
    void stop(Duration grace) {
        stop(process.toHandle(), grace);
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    static void stop(ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the caller's check
            }
        }
    }

    static Optional<ProcessHandle> fromPidFile(Path pidFile) {
        try {
            String text = Files.readString(pidFile).trim();
            String firstLine = text.lines().findFirst().orElse("");
            return ProcessHandle.of(Long.parseLong(firstLine.trim())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
