"""The TLS key material of a course's Dask cluster, and the driver's side of it.

`make_keys` (`python -m autograder cluster-keys`) writes a CA of the course's own and the
certificates it signs: one for the scheduler and workers, one for the driver (grade-all).
`security` gives the driver's mutual TLS with them, and refuses a plain address unless the
instructor passes --unsafe-plain-tcp: a Dask scheduler runs any function a client sends.
`cryptography` and `distributed` are imported only when needed (the cluster extra).
"""
import datetime
import os
from pathlib import Path

from ..course import course_directory
from ..report import private_folder
from .errors import ClusterError

INSTALL = 'pip install -e ".[cluster]"'
KEYS = ".rnn-kit-cluster"     # the certificates' folder in the course directory (git-ignored)
KEY_DAYS = 400                # how long the certificates are valid
# The scheduler and workers need the first three, the driver the CA and its own pair.
CLUSTER_FILES = ("ca.pem", "cluster.pem", "cluster-key.pem")
DRIVER_FILES = ("ca.pem", "driver.pem", "driver-key.pem")
CA_KEY = "ca-key.pem"
PLAIN = ("refusing to grade through {address}: a Dask scheduler without TLS runs code from "
         "anyone who reaches its port, a student's process included; make keys with `python "
         "-m autograder cluster-keys`, start the scheduler and workers with them (README, "
         "\"Grading on a cluster\") and give a tls:// address, or pass --unsafe-plain-tcp on "
         "a network no student can reach")


def default_keys():
    """Where cluster-keys writes and grade-all reads the certificates unless told."""
    return course_directory() / KEYS


def make_keys(folder):
    """Write a new CA and two certificates it signs, each with its EC key, into `folder`
    (0700, files 0600): cluster.pem for the scheduler and workers, driver.pem for
    grade-all. Dask's TLS then admits only holders of a certificate from this CA, and
    the workers never need the CA's key. ClusterError if `folder` already holds keys
    (the running cluster's certificates would stop matching)."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID
    except ImportError:
        raise ClusterError("making cluster keys needs the cryptography package: install the "
                           f"kit's cluster extra ({INSTALL})") from None
    folder = Path(folder)
    taken = [name for name in (CA_KEY, *CLUSTER_FILES, *DRIVER_FILES)
             if os.path.lexists(folder / name)]
    if taken:
        raise ClusterError(f"{folder} already holds cluster keys ({taken[0]}); remove them "
                           "first, then give the scheduler and workers the new ones")
    private_folder(folder)
    os.chmod(folder, 0o700)  # it may have existed, open to others
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("rnn-kit course CA", ca_key, None, ca_key)
    server = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    pairs = {"ca": (ca, ca_key)}
    for name, usage in (("cluster", server), ("driver", [ExtendedKeyUsageOID.CLIENT_AUTH])):
        key = ec.generate_private_key(ec.SECP256R1())
        pairs[name] = certificate(f"rnn-kit {name}", key, usage, ca_key, ca), key
    for name, (cert, key) in pairs.items():
        write_private(folder / f"{name}.pem", pem(cert))
        write_private(folder / f"{name}-key.pem", pem(key))
    return folder


def certificate(name, key, usage, issuer_key, issuer=None):
    """An X.509 certificate for `key` signed by `issuer_key`: the CA's own (issuer None,
    self-signed), else one for the extended key `usage` (TLS server and/or client)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = issuer is None
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(subject if ca else issuer.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))  # clocks differ a little
               .not_valid_after(now + datetime.timedelta(days=KEY_DAYS))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None),
                              critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, key_cert_sign=ca, crl_sign=ca,
                   content_commitment=False, key_encipherment=False, data_encipherment=False,
                   key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_key.public_key()), critical=False))
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(item):
    """A certificate's or a private key's PEM bytes (the key unencrypted: Dask's command
    line takes no passphrase; the file's mode protects it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    if isinstance(item, x509.Certificate):
        return item.public_bytes(serialization.Encoding.PEM)
    return item.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())


def write_private(path, data):
    """A new file only its owner can read (never an existing one, nor through a link)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def security(address, keys=None, unsafe_plain_tcp=False):
    """The driver's distributed.Security for `address`: mutual TLS with the certificates in
    `keys` (default: .rnn-kit-cluster/ in the course directory); None for a plain address
    only where the instructor passed unsafe_plain_tcp; else ClusterError saying why not."""
    if not address.startswith("tls://"):
        if unsafe_plain_tcp:
            return None
        raise ClusterError(PLAIN.format(address=address))
    distributed = imported()
    folder = Path(keys) if keys else default_keys()
    missing = [name for name in DRIVER_FILES if not (folder / name).is_file()]
    if missing:
        raise ClusterError(f"no cluster keys in {folder} ({missing[0]} is missing): make them "
                           f"with `python -m autograder cluster-keys {folder}` and start the "
                           "scheduler and workers with them (README, \"Grading on a cluster\")")
    key = folder / "driver-key.pem"
    if key.stat().st_mode & 0o077:
        raise ClusterError(f"other users can read {key}, and with it run code on the workers: "
                           f"chmod 600 {key}")
    return distributed.security.Security(
        tls_ca_file=str(folder / "ca.pem"), tls_client_cert=str(folder / "driver.pem"),
        tls_client_key=str(key), require_encryption=True)


def imported():
    """The distributed package (for `security`, and for cluster.py), or ClusterError naming
    the extra to install."""
    try:
        import distributed
        import distributed.security
    except ImportError:
        raise ClusterError("grading on a Dask cluster needs the distributed package: "
                           f"install the kit's cluster extra ({INSTALL})") from None
    return distributed
