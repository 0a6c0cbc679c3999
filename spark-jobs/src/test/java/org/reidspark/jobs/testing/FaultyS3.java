package org.reidspark.jobs.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting front for a real S3 API (s3proxy): a TCP proxy on loopback that passes every request through, one
 * request per connection (it sets {@code Connection: close}, which SigV4 does not sign), except the first {@code n}
 * object reads ({@code GET}) of a key it was told to fail: those get S3's {@code 503 SlowDown} error, or the real
 * response cut after half of its bytes by a TCP reset (a dropped connection mid-read). What S3A and Spark make of those
 * failures is what a test of the jobs checks.
 */
public final class FaultyS3 implements AutoCloseable {
    /** How a read fails. */
    public enum Fault { SLOW_DOWN, RESET_MID_BODY }

    private record Rule(String keySuffix, Fault fault, AtomicInteger left) {
    }

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();
    /** The target (path and query) of every request served, in arrival order. */
    private final List<String> requestTargets = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-s3");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    /** A proxy on a random loopback port in front of {@code upstreamEndpoint} (e.g. {@code http://127.0.0.1:4321}). */
    public FaultyS3(String upstreamEndpoint) throws IOException {
        java.net.URI u = java.net.URI.create(upstreamEndpoint);
        upstream = new InetSocketAddress(u.getHost(), u.getPort());
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(this::accept);
    }

    /** The proxy's endpoint, for {@code reid.s3.endpoint}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Fails the first {@code times} reads of every object whose key ends with {@code keySuffix}. */
    public FaultyS3 fail(String keySuffix, Fault fault, int times) {
        rules.add(new Rule(keySuffix, fault, new AtomicInteger(times)));
        return this;
    }

    /** Faults injected so far for keys ending with {@code keySuffix}. */
    public int injected(String keySuffix) {
        AtomicInteger n = injected.get(keySuffix);
        return n == null ? 0 : n.get();
    }

    /** Requests served so far (each on its own connection). */
    public int requests() {
        return requestTargets.size();
    }

    /** Requests served so far whose target (path and query) does not contain {@code part}, e.g. a lock's heartbeat. */
    public int requestsWithout(String part) {
        return (int) requestTargets.stream().filter(t -> !t.contains(part)).count();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                pool.submit(() -> serve(client));
            } catch (IOException e) {
                if (!closed) throw new IllegalStateException("faulty S3 proxy: accept failed", e);
            }
        }
    }

    private void serve(Socket client) {
        try (client; Socket up = new Socket()) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) return;
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            String[] parts = requestLine.split(" ");
            String method = parts[0];
            String path = parts.length > 1 ? parts[1] : "";
            requestTargets.add(path);
            String pathOnly = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            Rule rule = null;
            if (method.equals("GET")) {
                for (Rule r : rules) {
                    if (pathOnly.endsWith(r.keySuffix()) && r.left().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        rule = r;
                        break;
                    }
                }
            }
            if (rule != null) injected.computeIfAbsent(rule.keySuffix(), k -> new AtomicInteger()).incrementAndGet();
            if (rule != null && rule.fault() == Fault.SLOW_DOWN) {
                byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
                        + "<Message>Please reduce your request rate.</Message><Resource>" + pathOnly
                        + "</Resource><RequestId>faulty-s3</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return;
            }
            up.connect(upstream, 5000);
            OutputStream toUp = up.getOutputStream();
            toUp.write(withConnectionClose(head).getBytes(StandardCharsets.ISO_8859_1));
            toUp.flush();
            // the request body, if any, streams on while the response comes back
            var body = pool.submit(() -> {
                try {
                    in.transferTo(toUp);
                } catch (IOException ignored) {
                    // the response side ends the exchange
                }
                return null;
            });
            InputStream fromUp = up.getInputStream();
            OutputStream out = client.getOutputStream();
            if (rule != null) { // RESET_MID_BODY: the response head and half of the body, then a reset
                String responseHead = readHead(fromUp);
                if (responseHead == null) return;
                long length = contentLength(responseHead);
                out.write(responseHead.getBytes(StandardCharsets.ISO_8859_1));
                byte[] half = fromUp.readNBytes((int) Math.max(1, length / 2));
                out.write(half);
                out.flush();
                client.setSoLinger(true, 0);
                return; // closing with linger 0 sends RST
            }
            fromUp.transferTo(out);
            out.flush();
            body.cancel(true);
        } catch (SocketException ignored) {
            // a client that went away
        } catch (IOException e) {
            if (!closed) System.err.println("faulty S3 proxy: " + e);
        }
    }

    /** The request or response head up to and including the blank line, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
                    : (c == '\r' ? 1 : 0);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static String withConnectionClose(String head) {
        StringBuilder b = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (line.isEmpty()) continue;
            if (line.toLowerCase(Locale.ROOT).startsWith("connection:")) continue;
            b.append(line).append("\r\n");
        }
        return b.append("Connection: close\r\n\r\n").toString();
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) return Long.parseLong(line.substring(15).trim());
        }
        return 2;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        pool.shutdownNow();
    }
}
