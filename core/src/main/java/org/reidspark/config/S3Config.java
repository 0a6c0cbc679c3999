package org.reidspark.config;

import com.typesafe.config.Config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code reid.s3}: how S3A reaches an S3 API (AWS, MinIO, s3proxy, ...). Empty fields leave S3A's own
 * defaults (and its credential chain) in force.
 *
 * @param endpoint          S3 endpoint host[:port] or URL; empty for AWS's default
 * @param region            endpoint region; empty for S3A's default
 * @param accessKey         access key; empty to use S3A's default credential providers
 * @param secretKey         secret key (redacted when the config is printed or saved)
 * @param pathStyleAccess   {@code bucket} in the path instead of the host name (MinIO, s3proxy)
 * @param ssl               HTTPS to the endpoint
 * @param connectTimeoutMs  connection establishment timeout, so an unreachable endpoint fails fast
 * @param attempts          S3A attempts for a failing request before the error reaches the user
 */
public record S3Config(String endpoint, String region, String accessKey, String secretKey,
                       boolean pathStyleAccess, boolean ssl, int connectTimeoutMs, int attempts) {
    public S3Config {
        if (accessKey.isEmpty() != secretKey.isEmpty()) {
            throw new ConfigError("config keys 'reid.s3.access-key' and 'reid.s3.secret-key' must be set together"
                    + " (one is empty, the other is not)");
        }
        Check.positive("reid.s3.connect-timeout-ms", connectTimeoutMs);
        Check.positive("reid.s3.attempts", attempts);
    }

    public static S3Config from(Config c) {
        Config s = c.getConfig("reid.s3");
        return new S3Config(s.getString("endpoint"), s.getString("region"), s.getString("access-key"),
                s.getString("secret-key"), s.getBoolean("path-style-access"), s.getBoolean("ssl"),
                s.getInt("connect-timeout-ms"), s.getInt("attempts"));
    }

    /** The Hadoop {@code fs.s3a.*} properties these settings stand for. */
    public Map<String, String> hadoopProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        if (!endpoint.isEmpty()) p.put("fs.s3a.endpoint", endpoint);
        if (!region.isEmpty()) p.put("fs.s3a.endpoint.region", region);
        if (!accessKey.isEmpty()) {
            p.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
            p.put("fs.s3a.access.key", accessKey);
            p.put("fs.s3a.secret.key", secretKey);
        }
        p.put("fs.s3a.path.style.access", Boolean.toString(pathStyleAccess));
        p.put("fs.s3a.connection.ssl.enabled", Boolean.toString(ssl));
        p.put("fs.s3a.connection.establish.timeout", Integer.toString(connectTimeoutMs));
        p.put("fs.s3a.connection.timeout", Integer.toString(Math.max(connectTimeoutMs, 20_000)));
        p.put("fs.s3a.attempts.maximum", Integer.toString(attempts));
        p.put("fs.s3a.retry.limit", Integer.toString(attempts));
        return p;
    }
}
