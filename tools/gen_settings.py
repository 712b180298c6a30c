#!/usr/bin/env python3
"""Regenerate cloudsim/data/settings.json, the catalogue of CloudStack global settings.

Facts (name, category, type, default, scope, dynamic) come from CloudStack's declarations as
recorded in ../shared/reference; descriptions are our own words (COMMANDS.md section 7 and
EXTRA below). Run it when a setting is added; the JSON is what the server reads.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference"

# name: (category, type, default, scope, dynamic, our description)
EXTRA = {
    "integration.api.port": ("Advanced", "Integer", "0", "Global", False,
                             "Port of the unauthenticated integration API; 0 or less turns it off"),
    "enforce.post.requests.and.timestamps": ("Advanced", "Boolean", "false", "Global", False,
                                             "Require POST for state-changing commands and signature version 3 with a near expiry"),
    "api.sessionkey.check.locations": ("Advanced", "String", "CookieAndParameter", "Global", True,
                                       "Where a session request must present its sessionkey: CookieAndParameter, CookieOrParameter or ParameterOnly"),
    "api.sessionkey.cookie.samesite": ("Advanced", "String", "Lax", "Global", True,
                                       "SameSite attribute of the sessionkey cookie: Lax, Strict, NoneAndSecure or Null"),
    "expose.cloudstack.version.api.xml.response": ("Advanced", "Boolean", "true", "Global", True,
                                                   "Put the cloud-stack-version attribute on XML replies to authenticated callers"),
    "expose.cloudstack.version.api.list.capabilities": ("Advanced", "Boolean", "true", "Global", True,
                                                        "Report cloudstackversion in listCapabilities"),
    "default.ui.page.size": ("Advanced", "Long", "20", "Global", True, "Page size clients are told to use by default"),
    "api.throttling.enabled": ("Advanced", "Boolean", "false", "Global", False, "Limit API calls per account in a fixed window"),
    "api.throttling.interval": ("Advanced", "Integer", "1", "Global", False, "Length in seconds of the throttling window"),
    "api.throttling.max": ("Advanced", "Integer", "25", "Global", False, "Calls an account may make in one throttling window"),
    "api.throttling.cachesize": ("Advanced", "Integer", "50000", "Global", False, "Accounts tracked by the throttling counters"),
    "allow.user.view.all.domain.accounts": ("Advanced", "Boolean", "false", "Domain", True,
                                            "Let users list every account of their own domain"),
    "allow.user.create.projects": ("Project Defaults", "Boolean", "true", "Global", False, "Let users create projects"),
    "project.invite.required": ("Project Defaults", "Boolean", "false", "Global", False, "Projects add members by invitation only"),
    "allow.public.user.templates": ("Advanced", "Boolean", "true", "Account", True, "Let users make templates and ISOs public"),
    "custom.diskoffering.size.min": ("Advanced", "Long", "1", "Global", False, "Smallest custom disk size in GB"),
    "custom.diskoffering.size.max": ("Advanced", "Long", "1024", "Global", False, "Largest custom disk size in GB"),
    "dynamic.role.enabled": ("Advanced", "Boolean", "true", "Global", False, "Permissions come from roles rather than static command lists"),
    "kvm.snapshot.enabled": ("Snapshots", "Boolean", "false", "Global", False, "Allow volume snapshots of running KVM VMs"),
    "json.content.type": ("Advanced", "String", "application/json; charset=UTF-8", "Global", False, "Content-Type of JSON replies"),
    "user.password.reset.enabled": ("Advanced", "Boolean", "false", "Domain", True, "Offer the forgotten-password flow"),
    "eip.associate.public.ip": ("Network", "Boolean", "true", "Zone", True,
                                "In a Basic zone with elastic IP, give each VM that starts a public IP with static NAT"),
    "network.loadbalancer.basiczone.elb.enabled": ("Network", "Boolean", "false", "Global", False,
                                                   "Offer elastic load balancing in Basic zones"),
    "guest.domain.suffix": ("Network", "String", "cloud.internal", "Zone", True, "DNS suffix of guest VM host names"),
    "ping.timeout": ("Advanced", "Float", "3", "Global", True,
                     "Multiplier of ping.interval after which a silent host is investigated (cloudsim: 3, the seed's three minutes)"),
}


def main() -> int:
    declared = {s["name"]: s for s in json.loads((REF / "data" / "cloudstack-settings.json").read_text())}
    md = (REF / "COMMANDS.md").read_text()
    section = md[md.index("## 7. Global settings"):md.index("## 8. Placement")]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]*)` \| (\w+) \| (\w*) \| (\w+) \| ([^|]+) \|", section, re.M)
    out = {}
    for name, default, kind, scope, dynamic, meaning in rows:
        decl = declared.get(name, {})
        if default in ("(empty)", "null"):
            default = ""
        out[name] = {
            "name": name,
            "category": decl.get("category") or "Advanced",
            "type": kind,
            "default": default,
            "scope": (scope or "Global"),
            "dynamic": dynamic == "true",
            "description": meaning.strip(),
        }
    for name, (category, kind, default, scope, dynamic, text) in EXTRA.items():
        out[name] = {"name": name, "category": category, "type": kind, "default": default,
                     "scope": scope, "dynamic": dynamic, "description": text}
    target = ROOT / "cloudsim" / "data" / "settings.json"
    target.write_text(json.dumps(sorted(out.values(), key=lambda s: s["name"]), indent=1) + "\n")
    print(f"{len(out)} settings written to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
