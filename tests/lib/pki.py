"""A throw-away test certificate authority, made with the openssl CLI.

    ca = TestCA(directory)                 # creates ca.key / ca.pem once
    cert, key = ca.issue("backend-a", ["a.example.test", "127.0.0.1"])

Certificates are ECDSA P-256, valid for 2 days, with subjectAltName entries
for every name given (IP literals become IP entries). Files are reused when
they already exist in the directory, so a test session makes each one once.
"""

import base64
import ipaddress
import os
import subprocess


def _run(args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


class TestCA:
    __test__ = False  # not a pytest test class

    def __init__(self, directory, name="cclink test CA"):
        self.dir = os.path.abspath(directory)
        os.makedirs(self.dir, exist_ok=True)
        self.key = os.path.join(self.dir, "ca.key")
        self.cert = os.path.join(self.dir, "ca.pem")
        if not os.path.exists(self.cert):
            _run(["openssl", "req", "-x509", "-newkey", "ec",
                  "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                  "-keyout", self.key, "-out", self.cert, "-days", "2",
                  "-subj", "/CN=" + name,
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                 self.dir)

    def issue(self, label, names):
        """Returns (cert_path, key_path) for a leaf valid for names."""
        cert = os.path.join(self.dir, label + ".pem")
        key = os.path.join(self.dir, label + ".key")
        if os.path.exists(cert) and os.path.exists(key):
            return cert, key
        sans = []
        for n in names:
            try:
                ipaddress.ip_address(n)
                sans.append("IP:" + n)
            except ValueError:
                sans.append("DNS:" + n)
        ext = os.path.join(self.dir, label + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth,clientAuth\n"
                    "subjectAltName=" + ",".join(sans) + "\n")
        csr = os.path.join(self.dir, label + ".csr")
        _run(["openssl", "req", "-newkey", "ec",
              "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", key, "-out", csr, "-subj", "/CN=" + names[0]],
             self.dir)
        _run(["openssl", "x509", "-req", "-in", csr, "-CA", self.cert,
              "-CAkey", self.key, "-CAcreateserial", "-days", "2",
              "-extfile", ext, "-out", cert], self.dir)
        os.unlink(csr)
        return cert, key

    def spki_hash(self, cert_path):
        """base64 SHA-256 of a certificate's public key, as Chromium's
        --ignore-certificate-errors-spki-list wants it."""
        pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout",
                              "-pubkey"], check=True,
                             capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"],
                             input=pub, check=True,
                             capture_output=True).stdout
        dig = subprocess.run(["openssl", "dgst", "-sha256", "-binary"],
                             input=der, check=True,
                             capture_output=True).stdout

        return base64.b64encode(dig).decode()
