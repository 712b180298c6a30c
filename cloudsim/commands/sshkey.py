"""SSH key pairs: createSSHKeyPair, registerSSHKeyPair, listSSHKeyPairs, deleteSSHKeyPair."""
from __future__ import annotations

from ..api import params as P
from ..api.registry import Param, command, register_entity
from ..api.views import F, ListResult, Success, View
from ..core import sshkeys as core
from ..core.access import list_scope
from ..store import sshkeys as store

register_entity("SSHKeyPair", store.get_keypair)

_OWNER_FIELDS = (
    F("id", "string", "the key pair ID"), F("name", "string", "the key pair name"),
    F("account", "string", "the account owning the key pair"),
    F("domainid", "string", "the ID of the owner's domain"), F("domain", "string", "the name of the owner's domain"),
    F("projectid", "string", "the project owning the key pair"), F("project", "string", "the name of that project"),
    F("fingerprint", "string", "MD5 fingerprint of the public key, colon-separated"),
    F("hasannotations", "boolean", "true if comments are attached"),
)


class SSHKeyPairView(View):
    object_name = "keypair"
    kind = "SSHKeyPair"
    fields = _OWNER_FIELDS


class CreateSSHKeyPairView(View):
    # CloudStack serialises the subclass's own field first.
    object_name = "keypair"
    fields = (F("privatekey", "string", "the private key in PEM form; shown only in this answer"),) + _OWNER_FIELDS


def keypair_row(row, private_key: str | None = None) -> dict:
    return {"privatekey": private_key, "id": str(row["uuid"]), "name": row["name"], "account": row["account_name"],
            "domainid": str(row["domain_uuid"]), "domain": row["domain_name"], "fingerprint": row["fingerprint"],
            "hasannotations": False}


_ACCOUNT = "Owner account of the key pair; use with domainid"
_DOMAIN = "Domain of the owner account"
_PROJECT = "Project owning the key pair"


@command("createSSHKeyPair", response=CreateSSHKeyPairView,
         description="Generates an RSA key pair, keeps its public key and returns the private key once.")
async def create_ssh_key_pair(ctx, *,
                              name: Param(P.STRING, "Name of the new key pair, unique in the account"),
                              account: Param(P.STRING, _ACCOUNT) = None,
                              domainid: Param(P.UUID, _DOMAIN, entity="Domain") = None,
                              projectid: Param(P.UUID, _PROJECT, entity="Project") = None):
    row, private = await core.create_keypair(ctx.db, ctx.settings, ctx.caller, name=name, account=account,
                                             domain=domainid, project=projectid)
    return CreateSSHKeyPairView.entity(keypair_row(row, private), ctx.is_root_admin)


@command("registerSSHKeyPair", response=SSHKeyPairView,
         description="Stores an existing OpenSSH public key under a name.")
async def register_ssh_key_pair(ctx, *,
                                name: Param(P.STRING, "Name for the key pair, unique in the account"),
                                publickey: Param(P.STRING, "The public key, as in an authorized_keys line",
                                                 length=5120),
                                account: Param(P.STRING, _ACCOUNT) = None,
                                domainid: Param(P.UUID, _DOMAIN, entity="Domain") = None,
                                projectid: Param(P.UUID, _PROJECT, entity="Project") = None):
    row = await core.register_keypair(ctx.db, ctx.caller, name=name, publickey=publickey, account=account,
                                      domain=domainid, project=projectid)
    return SSHKeyPairView.entity(keypair_row(row), ctx.is_root_admin)


@command("listSSHKeyPairs", response=SSHKeyPairView, listing=("L", "D", "Acc", "P"),
         description="Lists the key pairs the caller may see.")
async def list_ssh_key_pairs(ctx, *, listing,
                             id: Param(P.UUID, "Only the key pair with this ID", entity="SSHKeyPair") = None,
                             name: Param(P.STRING, "Only the key pair with this name") = None,
                             fingerprint: Param(P.STRING, "Only key pairs with this fingerprint") = None):
    scope = await list_scope(ctx.db, ctx.caller, listing)
    rows, total = await store.search(ctx.db, scope, id=id["id"] if id else None, name=name,
                                     fingerprint=fingerprint, keyword=listing.keyword, limit=listing.limit,
                                     offset=listing.offset)
    return ListResult([SSHKeyPairView.entity(keypair_row(r), ctx.is_root_admin) for r in rows], total,
                      "sshkeypair")


@command("deleteSSHKeyPair", description="Deletes a key pair by name.")
async def delete_ssh_key_pair(ctx, *,
                              name: Param(P.STRING, "Name of the key pair to delete"),
                              account: Param(P.STRING, _ACCOUNT) = None,
                              domainid: Param(P.UUID, _DOMAIN, entity="Domain") = None,
                              projectid: Param(P.UUID, _PROJECT, entity="Project") = None):
    await core.delete_keypair(ctx.db, ctx.caller, name=name, account=account, domain=domainid, project=projectid)
    return Success()
