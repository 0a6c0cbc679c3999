package org.reidspark.jobs.testing;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.ListObjectsV2Request;
import com.amazonaws.services.s3.model.ListObjectsV2Result;
import com.amazonaws.services.s3.model.S3ObjectSummary;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real S3 API on loopback for tests: s3proxy 4.1.0 (provider {@code transient}: objects in memory) started in
 * this JVM on a random port, with one fresh bucket. s3proxy's jar bundles its own Jetty, Jackson, logback and AWS
 * SDK 2, so it is kept off the test classpath (spark-jobs/pom.xml) and loaded in a class loader of its own whose
 * parent is the platform loader; the jar's path comes from the system property {@code reid.s3proxy.jar}, set by
 * the build.
 *
 * <p>Typical use: {@code try (S3Proxy s3 = S3Proxy.start()) { s3.upload(localTree, "data"); Main.run(job,
 * s3.overrides()..., "reid.data.root=" + s3.uri("data")) }}. {@link #overrides()} are the {@code key=value}
 * settings that point S3A at it. Every proxy gets a bucket of its own name, so Hadoop's file-system cache (keyed by
 * bucket) never hands a test a file system that talks to an earlier test's port; no
 * {@code fs.s3a.impl.disable.cache} is needed.
 *
 * <p>The harness's own uploads and listings use the AWS SDK 1 client that S3A ships with, not S3A, so a
 * test of S3A does not check S3A against itself.
 */
public final class S3Proxy implements AutoCloseable {
    public static final String ACCESS_KEY = "reid-test-access";
    public static final String SECRET_KEY = "reid-test-secret";
    public static final String REGION = "us-east-1";
    /** The system property naming s3proxy's jar-with-dependencies. */
    public static final String JAR_PROPERTY = "reid.s3proxy.jar";

    private final URLClassLoader loader;
    private final Object proxy;
    private final URI endpoint;
    private final String bucket;
    private final AmazonS3 client;

    private S3Proxy(URLClassLoader loader, Object proxy, URI endpoint, String bucket, AmazonS3 client) {
        this.loader = loader;
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.client = client;
    }

    /** Starts s3proxy on a random loopback port and creates an empty bucket. */
    public static S3Proxy start() throws Exception {
        // s3proxy logs through its own logback: warnings only, and none of logback's start-up status lines
        if (System.getProperty("LOG_LEVEL") == null) System.setProperty("LOG_LEVEL", "warn");
        if (System.getProperty("logback.statusListenerClass") == null) {
            System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        }
        URLClassLoader loader = new URLClassLoader("s3proxy", new URL[]{jar().toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        Object proxy;
        URI uri;
        try {
            Class<?> builderClass = Class.forName("org.gaul.s3proxy.junit.S3ProxyJunitCore$Builder", true, loader);
            Object builder = builderClass.getConstructor().newInstance();
            builder = builderClass.getMethod("withCredentials", String.class, String.class).invoke(builder, ACCESS_KEY, SECRET_KEY);
            builder = builderClass.getMethod("withBlobStoreProvider", String.class).invoke(builder, "transient");
            proxy = builderClass.getMethod("build").invoke(builder);
            proxy.getClass().getMethod("beforeEach").invoke(proxy);
            uri = (URI) proxy.getClass().getMethod("getUri").invoke(proxy);
        } catch (InvocationTargetException e) {
            loader.close();
            throw new IllegalStateException("s3proxy did not start: " + e.getCause(), e.getCause());
        } finally {
            thread.setContextClassLoader(previous);
        }
        AmazonS3 client = AmazonS3ClientBuilder.standard()
                .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(uri.toString(), REGION))
                .withPathStyleAccessEnabled(true)
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(ACCESS_KEY, SECRET_KEY)))
                .build();
        String bucket = "reid-test-" + UUID.randomUUID().toString().substring(0, 8);
        client.createBucket(bucket);
        return new S3Proxy(loader, proxy, uri, bucket, client);
    }

    private static Path jar() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank() && !configured.startsWith("${")) {
            Path p = Path.of(configured);
            if (Files.isRegularFile(p)) return p;
            throw new IllegalStateException("s3proxy jar " + p + " (system property " + JAR_PROPERTY + ") does not exist");
        }
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.contains("s3proxy") && entry.endsWith("-jar-with-dependencies.jar")) return Path.of(entry);
        }
        throw new IllegalStateException("s3proxy's jar is not known: run the tests through Maven (which sets "
                + JAR_PROPERTY + "), or set -D" + JAR_PROPERTY + "=.../s3proxy-4.1.0-jar-with-dependencies.jar");
    }

    /** The endpoint URL, e.g. {@code http://127.0.0.1:40321}. */
    public String endpoint() {
        return endpoint.toString();
    }

    public String bucket() {
        return bucket;
    }

    /** {@code s3a://<bucket>/<key>}. */
    public String uri(String key) {
        return "s3a://" + bucket + "/" + key;
    }

    /** The {@code key=value} overrides that point S3A at this proxy. */
    public List<String> overrides() {
        return overrides(endpoint());
    }

    /** The {@code key=value} overrides for an S3 API at {@code endpoint} with the test keys, path style, no TLS. */
    public static List<String> overrides(String endpoint) {
        return List.of("reid.s3.endpoint=" + endpoint, "reid.s3.region=" + REGION, "reid.s3.path-style-access=true",
                "reid.s3.ssl=false", "reid.s3.access-key=" + ACCESS_KEY, "reid.s3.secret-key=" + SECRET_KEY);
    }

    /** The Hadoop properties ({@code key=value}) that point S3A at this proxy, for a Spark session reading outputs back. */
    public List<String> hadoopProperties() {
        return List.of("fs.s3a.endpoint=" + endpoint(), "fs.s3a.path.style.access=true",
                "fs.s3a.connection.ssl.enabled=false", "fs.s3a.endpoint.region=" + REGION,
                "fs.s3a.access.key=" + ACCESS_KEY, "fs.s3a.secret.key=" + SECRET_KEY,
                "fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    }

    /** An endpoint on loopback where nothing listens (a port that was just free). */
    public static String unreachableEndpoint() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    public void put(String key, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile("s3proxy-put", ".bin");
        try {
            Files.write(tmp, bytes);
            client.putObject(bucket, key, tmp.toFile());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public byte[] get(String key) throws IOException {
        try (var in = client.getObject(bucket, key).getObjectContent()) {
            return in.readAllBytes();
        }
    }

    /** Uploads every file under {@code dir} to {@code prefix/<relative path>}; returns how many. */
    public int upload(Path dir, String prefix) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String rel = dir.relativize(f).toString().replace(File.separatorChar, '/');
            client.putObject(bucket, prefix.isEmpty() ? rel : prefix + "/" + rel, f.toFile());
        }
        return files.size();
    }

    /** Every key under {@code prefix}, sorted. */
    public List<String> keys(String prefix) {
        List<String> out = new ArrayList<>();
        ListObjectsV2Request req = new ListObjectsV2Request().withBucketName(bucket).withPrefix(prefix);
        ListObjectsV2Result res;
        do {
            res = client.listObjectsV2(req);
            for (S3ObjectSummary o : res.getObjectSummaries()) out.add(o.getKey());
            req.setContinuationToken(res.getNextContinuationToken());
        } while (res.isTruncated());
        out.sort(null);
        return out;
    }

    /** Stops the proxy (its objects are gone) and releases its class loader. */
    @Override
    public void close() throws Exception {
        client.shutdown();
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            proxy.getClass().getMethod("afterEach").invoke(proxy);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
            loader.close();
        }
    }
}
