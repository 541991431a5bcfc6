package dev.mailroom.tls;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads certificates and private keys from PEM files with Bouncy Castle's parser. Only the parser and converters are
 * used, never BC as a JCA provider: the converters are left on the JDK's default providers so the resulting keys
 * and certificates are plain JDK objects that SunJSSE accepts, and the shaded jar needs no signed provider.
 */
final class PemFiles {
    private PemFiles() {
    }

    /** All certificates in the file, in file order (leaf first for a server chain). */
    static List<X509Certificate> readCertificates(Path file) throws TlsConfigException {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(open(file))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                // Other blocks (a key appended to a combined PEM, a CRL) are not ours to judge here; skip them.
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException e) {
            throw new TlsConfigException(file, "invalid certificate: " + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(file, "file not found", e);
        } catch (IOException e) {
            throw new TlsConfigException(file, "cannot read PEM certificate: " + reason(e), e);
        }
        if (certs.isEmpty()) {
            throw new TlsConfigException(file, "no PEM certificate found (expected -----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    /** The first private key in the file: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted. */
    static PrivateKey readPrivateKey(Path file) throws TlsConfigException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(open(file))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                switch (o) {
                    case PrivateKeyInfo pkcs8 -> {
                        return converter.getPrivateKey(pkcs8);
                    }
                    case PEMKeyPair traditional -> {
                        // "BEGIN RSA PRIVATE KEY" (PKCS#1) and "BEGIN EC PRIVATE KEY" (SEC1) both land here.
                        // Only the private part is converted: SEC1's public key field is optional, and files
                        // without it (written by some tools) would make the key-pair conversion fail.
                        return converter.getPrivateKey(traditional.getPrivateKeyInfo());
                    }
                    case PEMEncryptedKeyPair ignored -> throw encrypted(file);
                    case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(file);
                    // "openssl ecparam -genkey" writes an EC PARAMETERS block before the key; certificates may
                    // precede the key in a combined file. Neither is an error.
                    case ASN1ObjectIdentifier ignored -> { }
                    case X509CertificateHolder ignored -> { }
                    default -> { }
                }
            }
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(file, "file not found", e);
        } catch (IOException e) {
            throw new TlsConfigException(file, "cannot read PEM private key: " + reason(e), e);
        }
        throw new TlsConfigException(file,
                "no PEM private key found (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static TlsConfigException encrypted(Path file) {
        // A server restarted unattended has nobody to type a passphrase, so we refuse rather than prompt.
        return new TlsConfigException(file, "encrypted private keys are not supported; store the key unencrypted "
                + "with mode 0600 (e.g. openssl pkey -in KEY -out KEY.plain)");
    }

    private static Reader open(Path file) throws IOException {
        // ISO-8859-1 maps every byte, so a binary (DER or garbage) file yields "no PEM found" instead of a
        // MalformedInputException that would say nothing useful to the operator.
        return Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
