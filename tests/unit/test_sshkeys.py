"""Public-key parsing and fingerprints, independent of the server."""
import base64
import hashlib

from cloudsim.core import sshkeys

# An ed25519 public key (RFC 8709 test vector's public half) wrapped in an OpenSSH blob.
_ED = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
_BLOB = len(b"ssh-ed25519").to_bytes(4, "big") + b"ssh-ed25519" + len(_ED).to_bytes(4, "big") + _ED
ED_LINE = "ssh-ed25519 " + base64.b64encode(_BLOB).decode()


def test_comment_is_dropped():
    assert sshkeys.public_key_from_material(ED_LINE + " me@laptop\n") == ED_LINE
    assert sshkeys.public_key_from_material("  " + ED_LINE + "  ") == ED_LINE


def test_a_whole_base64_encoded_line_is_accepted():
    assert sshkeys.public_key_from_material(base64.b64encode((ED_LINE + " c").encode()).decode()) == ED_LINE


def test_garbage_is_refused():
    for text in ("", "ssh-ed25519", "ssh-ed25519 ####", "ssh-rsa " + ED_LINE.split()[1], "x" * 40,
                 "ssh-unknown " + ED_LINE.split()[1], "ssh-ed25519 AAAA"):
        assert sshkeys.public_key_from_material(text) is None, text


def test_fingerprint_is_colon_separated_md5_of_the_blob():
    digest = hashlib.md5(_BLOB).hexdigest()
    assert sshkeys.fingerprint(ED_LINE) == ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def test_generated_keys():
    private, public = sshkeys.generate_rsa(1024)
    assert private.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert sshkeys.public_key_from_material(public) == public
    assert len(sshkeys.fingerprint(public).split(":")) == 16
