package io.cfgserver.service.tls;

import io.cfgserver.registry.CfgServerException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** HTTPS clients that trust one CA: the certificates of a PEM file, and nothing else. */
public final class CaTrust {
    /** The CA file is missing, unreadable or holds no certificate; the message names it. */
    public static final class CaFileException extends CfgServerException {
        private static final long serialVersionUID = 1L;

        CaFileException(String message) {
            super(message);
        }
    }

    private CaTrust() {
    }

    /**
     * A TLS context whose only trust anchors are the certificates in {@code caFile} (PEM; e.g. the
     * {@code ca.pem} of deploy/tls/make-certs.sh). Host names are still checked against the server's
     * certificate by the client.
     *
     * @param what how the caller calls this setting in its messages, e.g. {@code --cacert}
     * @throws CaFileException when the file cannot be read or holds no certificate
     */
    public static SSLContext sslContext(Path caFile, String what) {
        byte[] pem;
        try {
            pem = Files.readAllBytes(caFile);
        } catch (IOException e) {
            throw new CaFileException(what + " " + caFile.toAbsolutePath() + " cannot be read: " + e);
        }
        Collection<? extends Certificate> certificates;
        try (InputStream in = new ByteArrayInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException | IOException e) {
            throw new CaFileException(what + " " + caFile.toAbsolutePath() + " is not a PEM certificate: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new CaFileException(what + " " + caFile.toAbsolutePath() + " holds no certificate"
                    + " (expected -----BEGIN CERTIFICATE-----, e.g. ca.pem of deploy/tls/make-certs.sh)");
        }
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                anchors.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new CaFileException("cannot build a TLS context from " + what + " " + caFile.toAbsolutePath() + ": " + e);
        }
    }
}
