"""The wheel is the production install: README.md's `python -m build` and `pip install`.

Built from this checkout, installed into a fresh virtualenv and run from a folder outside the
checkout, it must migrate, seed and serve on its own: its code, templates, static files (npm's
too, once `make assets` has copied them in) and compiled catalogues all come from the wheel.

The fresh virtualenv gets Loket from the wheel and nothing else; its dependencies are the ones
already installed for the tests, offered through a .pth file as a folder of links to exactly the
distributions the wheel's own Requires-Dist names (and theirs, recursively), after checking each
installed version against the requirement. Downloading them again would take minutes, and the
test virtualenv's site-packages itself cannot be used: it holds Loket's editable install, which
would run the checkout instead of the wheel. A dependency the code imports but the wheel does not
declare is missing there, as it would be after `pip install`.
"""

import email
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import requests
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app import create_app
from tests.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
NEVER_SHIPPED = ("tests/", "bench/", "node_modules/", "instance/", "build/", "dist/")


def run(command: list, **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def checkout_files(folder: str, pattern: str = "**/*") -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / folder).glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    }


def catalogues() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for suffix in ("po", "mo")
        for path in ROOT.glob(f"*/translations/*/LC_MESSAGES/*.{suffix}")
    }


def packages() -> set[str]:
    """Every package of the checkout: an office/ or phone/ added later is expected too."""
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if f"{path.parent.name}/" not in NEVER_SHIPPED
    }


def copy_of_checkout(target: Path) -> Path:
    """The checkout as a fresh clone after `make assets translations`, with no earlier build's
    leftovers: setuptools reads an old *.egg-info/SOURCES.txt back and ships what it lists."""
    leftovers = {".git", ".venv", "build", "dist", ".pytest_cache", ".ruff_cache", ".hypothesis"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {name for name in names if name == "__pycache__"}
        if Path(folder) == ROOT:
            skipped |= {name for name in names if name in leftovers or name.endswith(".egg-info")}
        return skipped

    shutil.copytree(ROOT, target, symlinks=True, ignore=ignore)
    return target


def dependency_links(requires_dist: list[str], folder: Path) -> None:
    """Link into `folder` the installed distributions that requires_dist needs, recursively."""
    folder.mkdir()
    done: set[tuple] = set()
    todo = [(Requirement(text), "") for text in requires_dist]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = (canonicalize_name(requirement.name), tuple(sorted(requirement.extras)))
        if key in done:
            continue
        done.add(key)
        dist = metadata.distribution(requirement.name)
        assert requirement.specifier.contains(dist.version, prereleases=True), (
            f"installed {requirement.name} {dist.version} does not satisfy {requirement}"
        )
        assert dist.files, f"{dist.name} has no RECORD"
        for top in {file.parts[0] for file in dist.files} - {"..", "__pycache__"}:
            link = folder / top
            if not link.exists():
                link.symlink_to(dist.locate_file(top))
        todo += [(Requirement(text), e) for text in dist.requires or [] for e in ("", *key[1])]


def test_an_installed_copy_writes_nothing_beside_its_code(monkeypatch, tmp_path):
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "state"))
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    app = create_app()
    assert app.instance_path == str(tmp_path / "state")
    assert not (tmp_path / "state").exists()  # nothing to write: the folder is not even made

    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("LOKET_ENV", "development")
    app = create_app()
    assert (tmp_path / "state" / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'state' / 'loket.db'}"


@pytest.mark.slow
def test_the_wheel_installs_migrates_seeds_and_serves_outside_the_checkout(tmp_path):
    assert catalogues() >= {
        path.relative_to(ROOT).with_suffix(".mo").as_posix()
        for path in ROOT.glob("*/translations/*/LC_MESSAGES/*.po")
    }, "no compiled catalogues: run `make translations` (make test does)"

    # python -m build: an sdist, then the wheel built from it, as README.md's Production says.
    source = copy_of_checkout(tmp_path / "checkout")
    run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"), str(source)])
    (wheel,) = (tmp_path / "dist").glob("loket-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
        (dist_info,) = {name.split("/")[0] for name in shipped if ".dist-info/" in name}
        wheel_metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
    requires_dist = wheel_metadata.get_all("Requires-Dist")

    expected = {"app.py", "extensions.py", "demo.py"}
    expected |= {f"{package}/__init__.py" for package in packages()}
    expected |= checkout_files("templates") | checkout_files("static")
    expected |= checkout_files("migrations") | catalogues()
    assert expected - shipped == set()
    assert {"core/__init__.py", "migrations/alembic.ini", "migrations/env.py"} <= shipped
    vendor = checkout_files("static/vendor")
    assert vendor <= shipped  # npm's files, when `make assets` has run (make test runs it)
    assert not [name for name in shipped if name.startswith(NEVER_SHIPPED)]
    assert not [name for name in shipped if "__pycache__" in name or name.endswith(".pyc")]

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(run([python, "-c", purelib]).strip())
    dependency_links(requires_dist, tmp_path / "dependencies")
    (site / "dependencies.pth").write_text(f"{tmp_path / 'dependencies'}\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "LOKET_ENV": "production",
        "SECRET_KEY": "wheel-test-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'loket.db'}",
    }

    def python_in_venv(*arguments: str) -> str:
        return run([python, *arguments], cwd=elsewhere, env=env)

    where = json.loads(python_in_venv("-c", WHERE, *sorted(packages())))
    for path in where["code"] + where["templates"] + [where["static"], where["migrations"]]:
        assert Path(path).is_relative_to(site), f"{path} is not the installed copy"
    assert sorted(Path(path).parent.name for path in where["translations"]) == sorted(
        {Path(name).parts[0] for name in catalogues()}
    )
    assert all(Path(path).is_relative_to(site) for path in where["translations"])
    assert Path(where["instance"]).resolve() == (venv / "var" / "loket-instance").resolve()
    assert not Path(where["instance"]).exists()  # DATABASE_URL and SECRET_KEY: nothing to write

    python_in_venv("-m", "flask", "--app", "app", "db", "upgrade")
    python_in_venv("-m", "flask", "--app", "app", "seed-demo")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "-k", "gevent", "-w", "1", "--no-control-socket"]
            + ["--bind", f"127.0.0.1:{port}", "app:create_app()"],
            cwd=elsewhere,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=60)
        health = None
        for _ in range(300):  # the master listens before its worker has loaded the app
            try:
                health = requests.get(f"{url}/healthz", timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert health is not None and health.status_code == 200, log.read_text()[-3000:]
        assert health.json() == {"status": "ok", "database": "ok"}

        home = requests.get(f"{url}/", timeout=30)
        assert home.status_code == 200
        assert "Welkom bij" in home.text  # Dutch, the default language
        static = set(re.findall(r'(?:href|src)="(/static/[^"?]+)', home.text))
        assert "/static/css/loket.css" in static
        for path in static | {f"/{name}" for name in vendor}:
            answer = requests.get(f"{url}{path}", timeout=30)
            assert answer.status_code == 200, path
            assert answer.content == (ROOT / path.lstrip("/")).read_bytes(), path

        french = {"Accept-Language": "fr-BE,fr;q=0.9"}
        home = requests.get(f"{url}/", headers=french, timeout=30)
        assert '<html lang="fr">' in home.text
        assert "Bienvenue à" in home.text  # core's catalogue
        sign_in = requests.get(f"{url}/login", headers=french, timeout=30)
        assert "Connexion du personnel" in sign_in.text  # desk's catalogue
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Run by the fresh virtualenv's Python with the packages' names: where its code and files are.
WHERE = """
import json, sys, app, demo, extensions
from importlib import import_module
application = app.create_app()
packages = [import_module(name) for name in sys.argv[1:]]
print(json.dumps({
    "code": [app.__file__, demo.__file__, extensions.__file__]
    + [package.__file__ for package in packages],
    "templates": list(application.jinja_loader.searchpath),
    "static": application.static_folder,
    "migrations": application.extensions["migrate"].directory,
    "translations": application.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"),
    "instance": application.instance_path,
}))
"""
