"""`make bundle` builds one archive, and it installs into a fresh virtualenv with no index, no pip cache and
no network (a network namespace of its own, `unshare -n`), then `careforce check` passes."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def _no_network_prefix() -> list[str]:
    """`unshare -n` (root here) puts the install in a namespace with no network at all. Where unshare is
    not permitted, the install still runs with --no-index and no cache, and the test says so."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"]).returncode == 0:
        return ["unshare", "-n"]
    print("unshare -n is not permitted here: installing with --no-index and PIP_NO_CACHE_DIR only")
    return []


@pytest.mark.slow
@pytest.mark.xdist_group("bundle")
def test_the_bundle_installs_and_runs_without_network(tmp_path):
    subprocess.run([sys.executable, "tools/bundle.py", "--out", str(tmp_path)], cwd=PROJECT, check=True)
    [archive] = tmp_path.glob("careforce-bundle-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    [bundle] = (tmp_path / "unpacked").iterdir()
    names = {p.name for p in (bundle / "wheels").iterdir()}
    assert any(n.startswith("careforce-") for n in names)
    assert any(n.startswith("cryptography-") and "x86_64" in n for n in names)
    assert any(n.startswith("cryptography-") and "aarch64" in n for n in names)
    assert (bundle / "MANIFEST.txt").exists() and (bundle / "Makefile").exists()

    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),  # no pip configuration, no cache of ours
        "PIP_NO_CACHE_DIR": "1",
        "PIP_CONFIG_FILE": "/dev/null",
        "CAREFORCE_ENV": "development",
        "CAREFORCE_VAR_DIR": str(tmp_path / "var"),
    }
    offline = _no_network_prefix()
    python = sys._base_executable  # the CPython 3.11 this venv was made from, not the venv
    install = subprocess.run(
        [*offline, "make", "-C", str(bundle), "install", "OFFLINE=1", f"PYTHON={python}"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-3000:]
    assert "--no-index" in install.stdout
    careforce = bundle / ".venv" / "bin" / "careforce"
    check = subprocess.run(
        [*offline, str(careforce), "check"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0 and "no issues" in check.stdout, check.stderr[-3000:]
    site = next((bundle / ".venv" / "lib").glob("python3*/site-packages/careforce"))
    assert (site / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()
    assert any((site / "indicators" / "fonts").glob("*.ttf")) or any(
        (site / "indicators" / "fonts").glob("*.otf")
    )
    assert any((site / "static").rglob("*.js")) and any((site / "static").rglob("*.css"))
