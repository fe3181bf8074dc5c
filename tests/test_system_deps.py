""".ci/system-deps (`make system-deps`) on a faked machine: a PATH holding only stub tools, a
fake `id` (root or not), `sudo` and `apt-get` that record what they were asked, so every branch
runs here whatever this machine has installed."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / ".ci" / "system-deps"
CP, RM = shutil.which("cp"), shutil.which("rm")  # for the fake apt-get, whose PATH is the fake bin/
# the tool each Debian package provides, as the script checks it (the chi_sim pack is a language
# that `tesseract --list-langs` lists)
TOOLS = {"chromium": "chromium", "chromium-driver": "chromedriver", "redis-server": "redis-server",
         "tesseract-ocr": "tesseract", "wrk": "wrk"}


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


class FakeMachine:
    """bin/ is the whole PATH; pool/<package>/ holds the stubs a fake `apt-get install <package>` copies in."""

    def __init__(self, root: Path, *, uid: int, sudo: bool | None, apt: bool = True, apt_delivers: bool = True):
        self.bin, self.pool, self.log = root / "bin", root / "pool", root / "apt.log"
        self.bin.mkdir()
        self.log.write_text("")
        for tool in ("env", "grep", "true"):  # what the script runs besides the tools it checks
            os.symlink(shutil.which(tool), self.bin / tool)
        _script(self.bin / "id", f'[ "$1" = -u ] && echo {uid}')
        if sudo is not None:  # `sudo -n` succeeds only when passwordless sudo is allowed
            _script(self.bin / "sudo", '[ "$1" = -n ] && shift\n' + ('exec "$@"' if sudo else "exit 1"))
        for pkg, tool in TOOLS.items():
            (self.pool / pkg).mkdir(parents=True)
            self._stub(self.pool / pkg / tool, tool)
        (self.pool / "tesseract-ocr-chi-sim").mkdir()
        self._stub(self.pool / "tesseract-ocr-chi-sim" / "tesseract", "tesseract", ("eng", "chi_sim"))
        if apt:  # records each call; `install` copies the packages' stubs (a reinstall never drops chi_sim)
            deliver = f'[ -d {self.pool}/$p ] && {CP} -n {self.pool}/$p/* {self.bin}/ 2>/dev/null' if apt_delivers else "true"
            _script(self.bin / "apt-get", f'echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> {self.log}\n'
                    f'[ "$1" = install ] || exit 0\nfor p in "$@"; do\n  [ $p = tesseract-ocr-chi-sim ] && '
                    f'{RM} -f {self.bin}/tesseract\n  {deliver}\ndone\nexit 0')

    @staticmethod
    def _stub(path: Path, tool: str, langs: tuple[str, ...] = ("eng",)) -> None:
        if tool == "tesseract":  # `tesseract --list-langs` as Tesseract 5 prints it
            _script(path, f'echo "List of available languages in \\"/usr/share/tesseract-ocr/5/tessdata/\\" ({len(langs)}):"\n'
                    + "\n".join(f"echo {lang}" for lang in langs))
        else:
            _script(path, "true")

    def has(self, *tools: str, langs: tuple[str, ...] = ("eng", "chi_sim")) -> "FakeMachine":
        for tool in tools:
            self._stub(self.bin / tool, tool, langs)
        return self

    def run(self, *groups: str) -> subprocess.CompletedProcess:
        # nginx is in /usr/sbin, which the script adds to PATH itself: it counts as present wherever installed
        return subprocess.run(["/bin/bash", str(SCRIPT), *groups], env={"PATH": str(self.bin)},
                              capture_output=True, text=True, timeout=30)

    @property
    def apt_calls(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture
def machine(tmp_path):
    return lambda **kw: FakeMachine(tmp_path, **kw)


ALL = ("chromium", "chromedriver", "redis-server", "tesseract", "nginx")


def test_everything_present_installs_nothing(machine):
    m = machine(uid=1000, sudo=False).has(*ALL)
    done = m.run("test")
    assert done.returncode == 0, done.stderr
    assert "present" in done.stdout and m.apt_calls == []


def test_missing_without_root_stops_with_the_one_command(machine):
    m = machine(uid=1000, sudo=False).has("chromium", "redis-server", "nginx", "tesseract", langs=("eng",))
    done = m.run("test")
    assert done.returncode == 1
    assert "sudo apt-get install -y --no-install-recommends tesseract-ocr-chi-sim chromium-driver" in done.stderr
    assert m.apt_calls == []  # stopped at once: nothing attempted


def test_missing_without_sudo_binary_stops_too(machine):
    m = machine(uid=1000, sudo=None).has("nginx")
    done = m.run("ocr")
    assert done.returncode == 1 and m.apt_calls == []
    assert "sudo apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim\n" in done.stderr


@pytest.mark.parametrize(("uid", "sudo"), [(0, None), (1000, True)], ids=["root", "passwordless-sudo"])
def test_installs_what_is_missing_when_allowed(machine, uid, sudo):
    m = machine(uid=uid, sudo=sudo).has("chromium", "chromedriver", "nginx", "tesseract")
    done = m.run("test")
    assert done.returncode == 0, done.stderr
    assert m.apt_calls == ["DEBIAN_FRONTEND=noninteractive update -qq",
                           "DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends redis-server"]
    again = m.run("test")  # now present: a second run installs nothing
    assert again.returncode == 0 and len(m.apt_calls) == 2


def test_groups_choose_the_tools(machine):
    m = machine(uid=0, sudo=None).has("nginx")
    assert m.run("ocr").returncode == 0
    assert m.apt_calls[-1].endswith("--no-install-recommends tesseract-ocr tesseract-ocr-chi-sim")
    m.run("ocr", "bench")  # bench adds wrk to what the tests need; packages are listed once
    assert m.apt_calls[-1].endswith("--no-install-recommends chromium chromium-driver redis-server wrk")
    assert m.run("nonsense").returncode == 2


def test_an_install_that_does_not_deliver_fails(machine):
    m = machine(uid=0, sudo=None, apt_delivers=False).has(*ALL)
    (m.bin / "redis-server").unlink()
    done = m.run("test")
    assert done.returncode == 1 and "still missing after apt-get install: redis-server" in done.stderr


def test_without_apt_it_names_the_packages(machine):
    m = machine(uid=0, sudo=None, apt=False).has("nginx")
    done = m.run("ocr")
    assert done.returncode == 1 and "missing tesseract-ocr tesseract-ocr-chi-sim" in done.stderr


def test_the_makefile_runs_it_before_test_and_demo():
    # CI runs the suite from inside `make test`: without the parent's MAKELEVEL/MAKEFLAGS the
    # dry run prints only the recipe, not "Entering directory"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    out = {target: subprocess.run(["make", "-n", "--no-print-directory", target], cwd=ROOT, env=env,
                                  capture_output=True, text=True, check=True).stdout
           for target in ("test", "demo")}
    assert out["test"].splitlines()[0] == "bash .ci/system-deps test"
    assert out["demo"].splitlines()[0] == "bash .ci/system-deps ocr"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_nginx_in_sbin_counts_although_a_users_path_lacks_sbin(machine):
    assert Path("/usr/sbin/nginx").exists(), "make system-deps installs Debian's nginx into /usr/sbin"
    m = machine(uid=1000, sudo=False).has("chromium", "chromedriver", "redis-server", "tesseract")  # no nginx in PATH
    done = m.run("test")
    assert done.returncode == 0, done.stderr
