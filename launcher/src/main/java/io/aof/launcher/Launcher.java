package io.aof.launcher;

import java.nio.file.Path;

/**
 * {@code ./aof up | down | status}: runs the whole suite on one machine without
 * Docker. State lives under {@code .aof/} in the repository (git-ignored), so a
 * second {@code up} resumes where the first stopped.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 ? args[0] : "help";
        Path root = Path.of(args.length > 1 ? args[1] : ".").toAbsolutePath().normalize();
        LocalRun run = new LocalRun(root);
        switch (command) {
            case "up" -> {
                try {
                    run.up();
                } catch (LocalRun.LaunchException e) {
                    LocalRun.say("ERROR: " + e.getMessage());
                    System.exit(1);
                }
            }
            case "down" -> System.exit(run.down() ? 0 : 1);
            case "status" -> run.status();
            default -> {
                System.out.println("usage: ./aof up | down | status");
                System.exit(command.equals("help") ? 0 : 2);
            }
        }
    }
}
