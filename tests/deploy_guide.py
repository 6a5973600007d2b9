"""docs/deploy.md as the tests read it: its code blocks by name, moved onto a test's folder.

Every fenced block in the guide follows a `<!-- block: NAME -->` line, and a
test takes it with `block("NAME")` and runs it as it stands. Only what is
particular to a machine changes, and each test says which: the paths under
/srv/hallingdal, /etc/hallingdal and /var/backups/hallingdal move into the
test's folder (`on_this_machine`), `sudo -u USER` is dropped, since the
tests run as their own user (`as_test_user`), and tests that do not install
the site in a folder of their own run `manage.py` with their own Python
(`with_python`).
"""

import re
import shlex
from pathlib import Path

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
BLOCK = re.compile(
    r"^<!-- block: (?P<name>[\w-]+) -->\n```(?P<language>\w*)\n(?P<text>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
OPENING_FENCE = re.compile(r"^```\w*\n(?:.*?\n)?```$", re.MULTILINE | re.DOTALL)
MACHINE_PATHS = ("/srv/hallingdal", "/etc/hallingdal", "/var/backups/hallingdal")
# systemd's own search path (man systemd.exec, "Environment variables in spawned processes").
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"


def blocks():
    """{name: text} of every labelled block in the guide."""
    return {match["name"]: match["text"] for match in BLOCK.finditer(GUIDE.read_text())}


def block_count():
    """How many fenced blocks the guide has, labelled or not."""
    return len(OPENING_FENCE.findall(GUIDE.read_text()))


def block(name):
    found = blocks()
    assert name in found, f"docs/deploy.md has no block labelled {name!r}"
    return found[name]


def on_this_machine(text, root):
    """`text` with the guide's machine paths moved under the folder `root`."""
    for path in MACHINE_PATHS:
        text = text.replace(path, f"{root}{path}")
    return text


def as_test_user(text):
    """`text` without its `sudo -u USER ` prefixes: the tests run as their own user."""
    return re.sub(r"\bsudo -u \S+ ", "", text)


def commands(text):
    """The shell commands of a block, one per line, joining lines that end in a backslash."""
    joined = text.replace("\\\n", " ")
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")
    ]


def with_python(text, python):
    """`text` with the deploy's `.venv/bin/python` replaced by `python` (the tests' own)."""
    return text.replace(".venv/bin/python", str(python))


def variables(text):
    """{NAME: value} of the `NAME=value` lines of a block, as an environment file has them."""
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(\S*)", text, re.MULTILINE))


def documented_environment(name, required=(), **replacements):
    """The variables of the block `name`, with `replacements` for this machine's own values.

    Fails, naming them, when the block no longer sets a variable that is
    replaced or `required`.
    """
    documented = variables(block(name))
    missing = (set(replacements) | set(required)) - documented.keys()
    assert not missing, f"docs/deploy.md's {name} block no longer sets {sorted(missing)}"
    return {**documented, **replacements}


def units(text):
    """{file name: unit text} of the systemd units in a block, each after its path comment."""
    parts = re.split(r"^# /etc/systemd/system/(\S+)\n", text, flags=re.MULTILINE)
    return {name: body for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def unit_settings(unit_text, section):
    """{key: value} of one section of a unit (the last value where a key repeats)."""
    settings, current = {}, None
    for line in unit_text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def environment_file(path):
    """The variables of a systemd EnvironmentFile (plain `NAME=value` lines)."""
    return variables(Path(path).read_text())


def exec_command(line, environment):
    """The argument list systemd runs for an Exec line (man systemd.service, "Command lines").

    Words are split as a shell would, `%%` stands for `%`, and `$NAME` is the
    variable's value.
    """
    words = shlex.split(line.replace("%%", "%"))
    return [re.sub(r"\$(\w+)", lambda match: environment[match[1]], word) for word in words]


def service_environment(unit_text):
    """The environment systemd gives the unit's process: its EnvironmentFile and a bare PATH."""
    service = unit_settings(unit_text, "Service")
    return {
        "PATH": SYSTEMD_PATH,
        "LANG": "C.UTF-8",
        **environment_file(service["EnvironmentFile"]),
    }
