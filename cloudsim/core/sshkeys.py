"""SSH key pairs: generation, public-key parsing, fingerprints, and the rules of owning them.

Only the public half is kept. createSSHKeyPair hands the private key back once, in the
traditional OpenSSL PEM form CloudStack returns ("-----BEGIN RSA PRIVATE KEY-----").
Fingerprints are CloudStack's: the MD5 of the OpenSSH key blob as colon-separated hex, which
is also what `ssh-keygen -E md5 -l` prints and what Ansible's cs_sshkeypair compares.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import invalid_value
from ..store import events
from ..store import sshkeys as store
from .access import Caller
from .owner import check_new_resource_owner, finalize_owner

KEY_TYPES = ("ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
             "ssh-ed25519")
INVALID_KEY = "Public key is invalid"


# ------------------------------------------------------------------------- keys
def generate_rsa(bits: int) -> tuple[str, str]:
    """A new RSA key: (private key PEM in traditional OpenSSL form, OpenSSH public key line)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public


def _blob_type(blob: bytes) -> str | None:
    """The key type named at the start of an OpenSSH key blob (a length-prefixed string)."""
    if len(blob) < 4:
        return None
    (length,) = struct.unpack(">I", blob[:4])
    if length > len(blob) - 4:
        return None
    try:
        return blob[4:4 + length].decode("ascii")
    except UnicodeDecodeError:
        return None


def public_key_from_material(material: str) -> str | None:
    """'<type> <base64>' from an OpenSSH public key line (comment dropped), or None if it is not one.

    Like CloudStack, a line without any space is taken to be the whole line base64-encoded.
    Beyond CloudStack's prefix check, the blob must decode and name the same key type."""
    text = material.strip()
    if " " not in text:
        try:
            text = base64.b64decode(text, validate=False).decode("utf-8").strip()
        except (binascii.Error, ValueError):
            return None
    parts = text.split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if _blob_type(blob) != parts[0]:
        return None
    return f"{parts[0]} {parts[1]}"


def fingerprint(public_key: str) -> str:
    """CloudStack's fingerprint of a '<type> <base64>' key: MD5 of the blob, colon-separated hex."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


# ------------------------------------------------------------------------- ownership rules
async def create_keypair(db, settings, caller: Caller, *, name: str, account, domain, project):
    """Generates and stores a key pair; returns (row, private key PEM)."""
    await check_new_resource_owner(db, account, domain, project)
    if not name.strip():
        raise invalid_value("Please specify a valid name for the key pair. The key name can't be empty")
    owner = await finalize_owner(db, caller, account, domain, project)
    if await store.by_name(db, owner["id"], name) is not None:
        raise invalid_value(f"A key pair with name '{name}' already exists.")
    bits = int(await settings.get("ssh.key.length"))
    # RSA generation takes tens of milliseconds: keep it off the event loop.
    private, public = await asyncio.to_thread(generate_rsa, bits)
    key_id = await store.insert(db, account_id=owner["id"], domain_id=owner["domain_id"], name=name,
                                fingerprint=fingerprint(public), public_key=public)
    if key_id is None:       # lost a race with another request using the same name
        raise invalid_value(f"A key pair with name '{name}' already exists.")
    return await store.get_keypair(db, key_id), private


async def register_keypair(db, caller: Caller, *, name: str, publickey: str, account, domain, project):
    """Stores a caller-supplied public key; CloudStack records REGISTER.SSH.KEYPAIR around it."""
    await check_new_resource_owner(db, account, domain, project)
    event = dict(type="REGISTER.SSH.KEYPAIR", user_id=caller.user_id, account_id=caller.account_id,
                 domain_id=caller.domain_id)
    await events.record_event(db, state="Started", description="Registering ssh keypair", **event)
    try:
        owner = await finalize_owner(db, caller, account, domain, project)
        event.update(account_id=owner["id"], domain_id=owner["domain_id"])
        if await store.by_name(db, owner["id"], name) is not None:
            raise invalid_value(f"A key pair with name '{name}' already exists for this account.")
        public = public_key_from_material(publickey)
        if public is None:
            raise invalid_value(INVALID_KEY)
        if await store.by_public_key(db, owner["id"], public) is not None:
            raise invalid_value(f"A key pair with key '{publickey}' already exists for this account.")
        key_id = await store.insert(db, account_id=owner["id"], domain_id=owner["domain_id"], name=name,
                                    fingerprint=fingerprint(public), public_key=public)
        if key_id is None:
            raise invalid_value(f"A key pair with name '{name}' already exists for this account.")
    except Exception:
        await events.record_event(db, level="ERROR", description="Error while registering ssh keypair", **event)
        raise
    row = await store.get_keypair(db, key_id)
    await events.record_event(db, description="Successfully completed registering ssh keypair",
                              resource_id=str(row["uuid"]), resource_type="SSHKeyPair", resource_name=name,
                              **event)
    return row


async def delete_keypair(db, caller: Caller, *, name: str, account, domain, project) -> None:
    owner = await finalize_owner(db, caller, account, domain, project, include_removed=True)
    row = await store.by_name(db, owner["id"], name)
    if row is None:
        err = invalid_value(f"A key pair with name '{name}' does not exist for account {owner['name']} "
                            "in specified domain id")
        err.uuids.append((str(owner["domain_uuid"]), "domainId"))
        raise err
    await store.delete(db, row["id"])


async def keypairs_for_vm(db, owner_account_id: int, names: list[str]):
    """The key pairs a VM is given (deploy keypair/keypairs, resetSSHKeyForVirtualMachine), in the
    order named; every name must exist in the owner's account."""
    wanted = list(dict.fromkeys(names))
    rows = await store.by_names(db, owner_account_id, wanted)
    by_name = {r["name"].lower(): r for r in rows}
    if len(by_name) != len(wanted) or any(n.lower() not in by_name for n in wanted):
        raise invalid_value("Not all specified keypairs exist")
    return [by_name[n.lower()] for n in wanted]


def authorized_keys(rows) -> str:
    """The public keys of several pairs as one authorized_keys text (CloudStack joins them with newlines)."""
    return "\n".join(r["public_key"] for r in rows)
