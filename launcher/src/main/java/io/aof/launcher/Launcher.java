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

    /**
     * A BCrypt hash for {@code aof.security.users[n].password-hash}: the password is read from the terminal
     * without echo (or from the first line of standard input), never from the command line, where the shell's
     * history and the process list would keep it.
     */
    static void hashPassword() throws java.io.IOException {
        String password;
        java.io.Console console = System.console();
        if (console != null) {
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? "" : new String(typed);
        } else {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
            password = line == null ? "" : line;
        }
        if (password.isEmpty()) {
            System.err.println("no password given");
            System.exit(2);
        }
        if (password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 72) {
            System.err.println("BCrypt uses at most 72 bytes of a password: choose a shorter one");
            System.exit(2);
        }
        System.out.println(new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(10)
                .encode(password));
    }

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 ? args[0] : "help";
        // the script passes the repository root last
        Path root = Path.of(args.length > 1 ? args[args.length - 1] : ".").toAbsolutePath().normalize();
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
            case "prove" -> {
                String[] options = java.util.Arrays.copyOfRange(args, 1, Math.max(1, args.length - 1));
                if (java.util.Arrays.asList(options).contains("--help")) {
                    System.out.println(ProofOptions.USAGE);
                    return;
                }
                ProofOptions parsed;
                try {
                    parsed = ProofOptions.parse(options, root);
                } catch (IllegalArgumentException e) {
                    System.err.println(e.getMessage());
                    System.exit(2);
                    return;
                }
                String brokerClasspath = root.resolve("launcher/target/lib") + java.io.File.separator + "*";
                System.exit(ProofRun.prove(root, parsed, brokerClasspath) == 0 ? 0 : 1);
            }
            case "bench-pipeline" -> {
                // benchmarks/pipeline-throughput.sh [N]: figures, never an exit status about them
                int n = args.length > 2 ? Integer.parseInt(args[1].replace("_", "").replace(",", "")) : 100_000;
                String brokerClasspath = root.resolve("launcher/target/lib") + java.io.File.separator + "*";
                System.exit(PipelineBenchmark.run(root, n, brokerClasspath));
            }
            case "bench-outage" -> {
                // benchmarks/outage-comparison.sh: outage awareness off and on, side by side; figures only
                String brokerClasspath = root.resolve("launcher/target/lib") + java.io.File.separator + "*";
                System.exit(OutageBenchmark.run(root, brokerClasspath));
            }
            case "hash-password" -> hashPassword();
            case "down" -> System.exit(run.down() ? 0 : 1);
            case "status" -> run.status();
            default -> {
                System.out.println("usage: ./aof up | down | status | prove [--short] [--help] | hash-password"
                        + "\n       (benchmarks/pipeline-throughput.sh [N] runs bench-pipeline [N],"
                        + " benchmarks/outage-comparison.sh runs bench-outage)");
                System.exit(command.equals("help") ? 0 : 2);
            }
        }
    }
}
