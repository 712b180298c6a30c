"""Run real Ansible playbooks (the ngine_io.cloudstack modules bundled in the `ansible` package)
against a running cloudsim, and read back every task's result.

    results = await playbook(cloud, tmp_path, [
        {"name": "make account", "ngine_io.cloudstack.cs_account": {"name": "acme", ...}},
    ])
    results["make account"]["changed"]      # the module's returned dict, keyed by task name

The server is the in-process `cloud` fixture (it listens on a real loopback port); ansible-playbook
is a subprocess reaching it through CLOUDSTACK_ENDPOINT/KEY/SECRET, exactly as a user runs it.
Task results come from the ansible.posix.json stdout callback. A task that fails does not stop
the play (`ignore_errors`), so a test can assert on the failure itself.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import yaml  # installed with ansible

BIN = Path(sys.executable).parent


def _env(endpoint: str, key: str, secret: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDSTACK_", "ANSIBLE_"))}
    env.update(CLOUDSTACK_ENDPOINT=endpoint, CLOUDSTACK_KEY=key, CLOUDSTACK_SECRET=secret,
               CLOUDSTACK_TIMEOUT="60", ANSIBLE_HOME=str(home / "home"), ANSIBLE_LOCAL_TEMP=str(home / "tmp"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="False", ANSIBLE_RETRY_FILES_ENABLED="False",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return env


async def playbook(api, tmp_path: Path, tasks: list[dict]) -> dict[str, dict]:
    """Run `tasks` as one play as the owner of `api` (an Api client); results keyed by task name."""
    work = tmp_path / f"ansible-{len(list(tmp_path.glob('ansible-*')))}"
    work.mkdir()
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "tasks": [{**task, "ignore_errors": True} for task in tasks]}]
    (work / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "ansible-playbook"), "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}",
        str(work / "play.yml"), cwd=work, env=_env(api.url, api.api_key, api.secret, work),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=600)
    try:
        report = json.loads(out)
    except ValueError:
        raise AssertionError(f"ansible-playbook printed no JSON report:\n{out.decode()[-3000:]}\n{err.decode()[-3000:]}")
    results: dict[str, dict] = {}
    for play_report in report["plays"]:
        for task in play_report["tasks"]:
            results[task["task"]["name"]] = task["hosts"]["localhost"]
    return results
