"""Build the offline installation bundle: dist/careforce-bundle-<version>.tar.gz (`make bundle`).

One archive holds everything a machine without network needs to install and run CareForce with CPython
3.11 on Linux:

- wheels/: every dependency as a wheel for x86_64 (manylinux, glibc 2.17–2.28, CPython 3.11), the aarch64
  wheels of the compiled ones where the projects publish them (Kunpeng servers), and CareForce's own wheel,
  which carries the vendored CSS/JS, the fonts and the compiled message catalogues;
- requirements.txt (the pins), MANIFEST.txt (each file's SHA-256, and what has no aarch64 wheel), the
  Makefile, README.md, docs/ and install.sh.

On the target: `tar xzf careforce-bundle-<version>.tar.gz && cd careforce-bundle-<version> && make run
OFFLINE=1` (or `./install.sh`), which installs with `pip install --no-index --find-links wheels` only.

A dependency published only as a source distribution is built into a wheel here (`pip wheel`); this
machine is x86_64 CPython 3.11, the bundle's first target.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = "3.11"
X86 = ["manylinux_2_28_x86_64", "manylinux2014_x86_64"]
ARM = ["manylinux_2_28_aarch64", "manylinux2014_aarch64"]

INSTALL_SH = """#!/bin/sh
# Install CareForce from this bundle alone: no package index, no network.
set -eu
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3.11}"
"$PYTHON" -m venv .venv
.venv/bin/pip install --isolated --no-index --no-cache-dir --find-links wheels careforce
echo "Installed: .venv/bin/careforce (see docs/operations.md, 'Offline installation')."
"""


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def platform_args(platforms: list[str]) -> list[str]:
    out = ["--only-binary=:all:", "--python-version", PY, "--implementation", "cp", "--abi", "cp311"]
    for platform in platforms:
        out += ["--platform", platform]
    return out


def download(requirements: Path, wheels: Path) -> None:
    try:
        pip("download", "--quiet", "-d", str(wheels), *platform_args(X86), "-r", str(requirements))
    except subprocess.CalledProcessError:
        # Something has no x86_64 wheel: build it (and fetch the rest) for this machine, x86_64 CPython 3.11.
        print("Some dependency has no wheel: building it here with pip wheel.", flush=True)
        pip("wheel", "--quiet", "--prefer-binary", "-w", str(wheels), "-r", str(requirements))


def download_aarch64(wheels: Path) -> list[str]:
    """The aarch64 wheel of each compiled dependency (pure-Python wheels serve both); returns the missing."""
    missing = []
    for wheel in sorted(wheels.glob("*.whl")):
        name, version, *_rest, platform = wheel.stem.split("-")
        if platform == "any" or "x86_64" not in platform:
            continue
        try:
            pip(
                "download",
                "--quiet",
                "--no-deps",
                "-d",
                str(wheels),
                *platform_args(ARM),
                f"{name}=={version}",
            )
        except subprocess.CalledProcessError:
            missing.append(f"{name}=={version}")
    return missing


def build(out_dir: Path, *, aarch64: bool = True) -> Path:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = project["version"]
    name = f"careforce-bundle-{version}"
    stage = out_dir / "stage" / name
    if stage.exists():
        shutil.rmtree(stage)
    wheels = stage / "wheels"
    wheels.mkdir(parents=True)
    requirements = stage / "requirements.txt"
    requirements.write_text("\n".join(project["dependencies"]) + "\n")

    print(f"Building CareForce {version} as a wheel …", flush=True)
    pip("wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT))
    print("Downloading the x86_64 wheels …", flush=True)
    download(requirements, wheels)
    missing = download_aarch64(wheels) if aarch64 else ["(aarch64 not collected: --no-aarch64)"]

    for item in ("Makefile", "README.md", "pyproject.toml"):
        shutil.copy2(ROOT / item, stage / item)
    shutil.copytree(ROOT / "docs", stage / "docs")
    (stage / "install.sh").write_text(INSTALL_SH)
    (stage / "install.sh").chmod(0o755)
    lines = [f"CareForce {version} offline bundle: CPython {PY}, Linux x86_64 (and aarch64 where listed)", ""]
    for wheel in sorted(wheels.glob("*.whl")):
        lines.append(f"{hashlib.sha256(wheel.read_bytes()).hexdigest()}  wheels/{wheel.name}")
    lines += ["", "No aarch64 wheel published (install on aarch64 needs them built there):"]
    lines += [f"  {item}" for item in missing] or ["  (none)"]
    (stage / "MANIFEST.txt").write_text("\n".join(lines) + "\n")

    count = len(list(wheels.glob("*.whl")))
    archive = out_dir / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=name)
    shutil.rmtree(out_dir / "stage")
    size = archive.stat().st_size / 1e6
    print(f"{archive} ({size:.1f} MB, {count} wheels)", flush=True)
    return archive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--no-aarch64", action="store_true", help="x86_64 only (quicker)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    build(args.out.resolve(), aarch64=not args.no_aarch64)
    return 0


if __name__ == "__main__":
    sys.exit(main())
