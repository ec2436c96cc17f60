package io.cfgserver.registry.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mutual TLS on the Raft transport: every peer presents {@code certFile} both as a server and as a
 * client, and accepts only peers (and clients) whose certificate {@code caFile} signed. With it, the
 * Raft log, votes, snapshots, the registry's own client and the peer-to-peer questions of the
 * controller all travel encrypted; a process without a certificate of that CA cannot join, vote or
 * submit.
 *
 * @param certFile PEM certificate of this peer (its chain may follow); its SAN must name the host of
 *                 this peer's Raft address, since peers verify the host name they dialled
 * @param keyFile  PEM private key of {@code certFile}, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
 * @param caFile   PEM certificate(s) of the CA that signed every peer's certificate
 */
public record PeerTls(Path certFile, Path keyFile, Path caFile) {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    public PeerTls {
        require(certFile, "certFile", "this peer's PEM certificate");
        require(keyFile, "keyFile", "the PEM (PKCS#8) private key of certFile");
        require(caFile, "caFile", "the PEM certificate of the CA that signed the peers' certificates");
    }

    private static void require(Path file, String name, String what) {
        if (file == null) {
            throw new InvalidPeerConfigException("tls." + name + " is missing: give " + what
                    + " (deploy/tls/make-certs.sh makes them), or leave out tls altogether");
        }
    }

    /**
     * Reads the three files and checks they hold what they should: certificates that are valid now,
     * a key Java can parse. Ratis would otherwise fail later, deep inside gRPC, or not at all until
     * the first connection.
     *
     * @throws InvalidPeerConfigException naming the file and what is wrong with it
     */
    public void check() {
        certificates("certFile", certFile);
        certificates("caFile", caFile);
        privateKey();
    }

    private static void certificates(String name, Path file) {
        byte[] bytes = read(name, file);
        Collection<? extends java.security.cert.Certificate> parsed;
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException | IOException e) {
            throw new InvalidPeerConfigException("tls." + name + " " + file + " is not a PEM certificate: "
                    + e.getMessage());
        }
        if (parsed.isEmpty()) {
            throw new InvalidPeerConfigException("tls." + name + " " + file + " holds no certificate"
                    + " (expected -----BEGIN CERTIFICATE-----)");
        }
        X509Certificate first = (X509Certificate) parsed.iterator().next();
        try {
            first.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new InvalidPeerConfigException("tls." + name + " " + file + " expired on " + first.getNotAfter().toInstant()
                    + ": make a new one (deploy/tls/make-certs.sh)");
        } catch (CertificateNotYetValidException e) {
            throw new InvalidPeerConfigException("tls." + name + " " + file + " is not valid before "
                    + first.getNotBefore().toInstant() + " (is this machine's clock right?)");
        }
    }

    private void privateKey() {
        String pem = new String(read("keyFile", keyFile), StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            String hint = pem.contains("ENCRYPTED PRIVATE KEY") ? "it is encrypted; Ratis needs it unencrypted"
                    : pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
                            ? "it is PKCS#1/SEC1; convert it: openssl pkcs8 -topk8 -nocrypt -in " + keyFile + " -out KEY.pem"
                            : "expected -----BEGIN PRIVATE KEY-----";
            throw new InvalidPeerConfigException("tls.keyFile " + keyFile + " is not an unencrypted PKCS#8 PEM key: " + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new InvalidPeerConfigException("tls.keyFile " + keyFile + " is not valid base64: " + e.getMessage());
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                return;
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new InvalidPeerConfigException("tls.keyFile " + keyFile + " holds no RSA, EC or Ed25519 private key");
    }

    private static byte[] read(String name, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidPeerConfigException("tls." + name + " " + file.toAbsolutePath() + " does not exist"
                    + " (or is not a file)");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidPeerConfigException("tls." + name + " " + file.toAbsolutePath() + " cannot be read: " + e);
        }
    }
}
