package org.reidspark.jobs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real browser for tests: Debian's {@code chromium} (installed by {@code .ci/run}), headless, driven through the
 * Chrome DevTools protocol over the JDK's own WebSocket client (no WebDriver, no further dependency). It loads a page,
 * records every console error, uncaught exception and failed resource load, evaluates JavaScript in the page, and
 * takes full-page screenshots. The flags are the ones this machine needs (no sandbox as root, no GPU, no background
 * networking on a closed network) with a fresh profile per browser.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /**
     * The browser executable: {@code REID_CHROMIUM}, else {@code chromium} (Debian), {@code chromium-browser} or
     * {@code google-chrome} on the PATH; fails saying how to install it.
     */
    public static Path executable() {
        String env = System.getenv("REID_CHROMIUM");
        if (env != null && !env.isBlank()) return Path.of(env);
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        throw new AssertionError("no chromium on the PATH (nor REID_CHROMIUM): the browser tests need Debian's chromium,"
                + " which .ci/run installs (apt-get install chromium)");
    }

    /** Starts a headless browser with an empty profile and opens one page to drive. */
    public static HeadlessChromium start(int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("reid-chromium-");
        List<String> cmd = List.of(executable().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-allow-origins=*", "--remote-debugging-port=0",
                "--window-size=" + width + "," + height, "--user-data-dir=" + profile, "about:blank");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!(Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2)) {
                if (!p.isAlive()) throw new IOException("chromium exited with " + p.exitValue() + ": " + log(profile));
                if (System.nanoTime() > deadline) throw new IOException("chromium did not open its DevTools port in 60 s: " + log(profile));
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> target = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/new?about:blank"))
                    .PUT(HttpRequest.BodyPublishers.noBody()).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            String ws = JSON.readTree(target.body()).path("webSocketDebuggerUrl").asText("");
            if (ws.isEmpty()) throw new IOException("chromium gave no page to drive: " + target.body());
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket socket = http.newWebSocketBuilder().connectTimeout(TIMEOUT)
                    .buildAsync(URI.create(ws), new Listener(() -> self[0])).get(60, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, profile, socket);
            for (String domain : List.of("Page", "Runtime", "Log")) self[0].send(domain + ".enable", JSON.createObjectNode());
            return self[0];
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop(p, profile);
            throw e;
        } catch (Exception e) {
            stop(p, profile);
            throw new IOException("cannot connect to chromium: " + e, e);
        }
    }

    /** Collects a message's fragments and hands whole messages on. */
    private static final class Listener implements WebSocket.Listener {
        private final java.util.function.Supplier<HeadlessChromium> owner;
        private final StringBuilder text = new StringBuilder();

        Listener(java.util.function.Supplier<HeadlessChromium> owner) {
            this.owner = owner;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                HeadlessChromium c = owner.get();
                if (c != null) c.receive(message);
            }
            webSocket.request(1);
            return null;
        }
    }

    private void receive(String message) {
        JsonNode m;
        try {
            m = JSON.readTree(message);
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + message);
            return;
        }
        if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
            if (f != null) f.complete(m);
            return;
        }
        events.add(m);
        String method = m.path("method").asText();
        JsonNode params = m.path("params");
        switch (method) {
            case "Runtime.consoleAPICalled" -> {
                if (params.path("type").asText().equals("error")) errors.add("console.error: " + params.path("args"));
            }
            case "Runtime.exceptionThrown" -> errors.add("uncaught exception: " + params.path("exceptionDetails"));
            case "Log.entryAdded" -> {
                JsonNode e = params.path("entry");
                if (e.path("level").asText().equals("error")) {
                    errors.add(e.path("source").asText() + ": " + e.path("text").asText() + " " + e.path("url").asText(""));
                }
            }
            default -> {
            }
        }
    }

    /** Sends one DevTools command and waits for its result; a protocol error fails. */
    public JsonNode send(String method, ObjectNode params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        socket.sendText(msg.toString(), true);
        JsonNode reply;
        try {
            reply = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("no answer from chromium to " + method + " in " + TIMEOUT.toSeconds() + " s: " + e, e);
        }
        if (reply.has("error")) throw new IOException(method + " failed: " + reply.get("error"));
        return reply.path("result");
    }

    /** Opens {@code url} and waits for its load event (images included). */
    public void load(String url) throws IOException, InterruptedException {
        int seen = events.size();
        send("Page.navigate", JSON.createObjectNode().put("url", url));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!loadFiredSince(seen)) {
            if (System.nanoTime() > deadline) throw new IOException(url + " did not finish loading in " + TIMEOUT.toSeconds() + " s");
            Thread.sleep(20);
        }
    }

    /**
     * Whether a load event arrived at or after event {@code from}. Reads the events one by one: a sub-list view of the
     * copy-on-write list fails when the socket's thread adds an event while it is read.
     */
    private boolean loadFiredSince(int from) {
        for (int i = from; i < events.size(); i++) {
            if (events.get(i).path("method").asText().equals("Page.loadEventFired")) return true;
        }
        return false;
    }

    /** The value of a JavaScript expression in the page (promises awaited), as JSON. */
    public JsonNode evaluate(String expression) throws IOException {
        JsonNode r = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) throw new IOException("the page's script failed: " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    /** Console errors, uncaught exceptions and failed resource loads so far. */
    public List<String> errors() {
        return new ArrayList<>(errors);
    }

    /** A screenshot of the whole page (not only the window), as PNG, written to {@code file}. */
    public void screenshot(Path file) throws IOException {
        JsonNode size = send("Page.getLayoutMetrics", JSON.createObjectNode()).path("cssContentSize");
        ObjectNode params = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
        params.putObject("clip").put("x", 0).put("y", 0).put("width", size.path("width").asDouble())
                .put("height", size.path("height").asDouble()).put("scale", 1);
        JsonNode shot = send("Page.captureScreenshot", params);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    @Override
    public void close() {
        socket.abort();
        stop(process, profile);
    }

    private static void stop(Process p, Path profile) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind is harmless
        }
    }

    private static String log(Path profile) {
        try {
            String s = Files.readString(profile.resolve("chromium.log"));
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
