package io.aof.e2e;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Everything the test JVM prints (every log line of every service goes to the
 * console) passes through here; a line holding one of the suite's secrets is
 * kept, so a test can prove no secret was ever logged.
 */
final class SecretWatch extends OutputStream {

    static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    /** Watched like a secret, and logged on purpose by a test: proves the watch sees the log at all. */
    static final String CANARY = "secret-watch-canary-7f3a";

    private final PrintStream target;
    private final List<String> secrets;
    private final StringBuilder line = new StringBuilder();

    private SecretWatch(PrintStream target, List<String> secrets) {
        this.target = target;
        this.secrets = new java.util.ArrayList<>(secrets);
        this.secrets.add(CANARY);
    }

    private static boolean installed;

    static synchronized void install(List<String> secrets) {
        if (installed) {
            return;
        }
        installed = true;
        System.setOut(new PrintStream(new SecretWatch(System.out, secrets), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new SecretWatch(System.err, secrets), true, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void write(int b) {
        target.write(b);
        if (b == '\n') {
            check();
        } else {
            line.append((char) b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        target.write(b, off, len);
        String s = new String(b, off, len, StandardCharsets.UTF_8);
        int start = 0;
        int nl;
        while ((nl = s.indexOf('\n', start)) >= 0) {
            line.append(s, start, nl);
            check();
            start = nl + 1;
        }
        line.append(s, start, s.length());
    }

    @Override
    public void flush() {
        target.flush();
    }

    private void check() {
        String l = line.toString();
        line.setLength(0);
        for (String secret : secrets) {
            if (l.contains(secret)) {
                LEAKS.add(l.length() > 300 ? l.substring(0, 300) : l);
            }
        }
    }
}
