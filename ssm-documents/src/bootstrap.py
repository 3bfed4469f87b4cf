"""Runs the fault's program, once it is sure the program is the one this document was made with.

The document carries this file in its script; the program itself is too large for one SSM document
(64 KiB), so it lives in documents of its own, its parts, which the document's download steps fetch
before the script starts (aws:downloadContent, sourceType SSMDocument). Each part is a Command
document whose step's lines, after the first (`exit 0`: sent on its own, a part does nothing), are
lines of the program's bundle: each file of the program, from `ssm-documents/src`, after a header
line that names it and gives its length,

    # ==> http_reset_peer/__main__.py (1234 bytes) <==

The bundle's SHA-256 is written into the document's script. Nothing runs from a bundle with any
other, and no file is written: the modules are compiled from the bundle in memory.

    python3 -I -S - http-reset-peer check ACTION SHA256 PART...   exit 0 if the parts make the program, else 3
    python3 -I -S - http-reset-peer run ACTION SHA256 PART...     check, then run the program's ACTION

The first argument only names the fault in the processes' command line (`pkill -f` finds them by it).

Python 3.6 or newer, standard library only: this file is what tells an older Python apart.
"""

import sys

if sys.version_info < (3, 6):
    # The same line the script prints when it fails, then the reason for people.
    print('{"action":"%s","error":"python3 is older than 3.6"}' % (sys.argv[3:4] or ["unknown"])[0])
    print("http-reset-peer: python3 is older than 3.6", file=sys.stderr)
    sys.exit(4)

import hashlib
import importlib.machinery
import json
import re

EXIT_NOT_THE_PROGRAM = 3  # a precondition the script refuses on: nothing has changed on the host
HEADER = re.compile(rb"# ==> ([A-Za-z0-9_/]+)\.py \(([0-9]+) bytes\) <==\n")


class NotTheProgram(Exception):
    """The parts fetched do not make the program this document runs."""


def bundle_of(parts):
    """The bundle, as bytes, from the parts' files in order: the lines after each one's first."""
    text = []
    for path in parts:
        try:
            with open(path, "rb") as f:
                lines = json.loads(f.read().decode("utf-8"))["mainSteps"][0]["inputs"]["runCommand"][1:]
        except (OSError, ValueError, LookupError, TypeError) as e:
            raise NotTheProgram("the program's part %s cannot be read as a fetched document (%s)" % (path, e))
        text.append("".join(line + "\n" for line in lines))
    return "".join(text).encode("utf-8")


def modules_of(bundle):
    """Each file of the bundle as {module name: (file name, source)}, checked against its header."""
    modules, at = {}, 0
    while at < len(bundle):
        header = HEADER.match(bundle, at)
        if not header:
            raise NotTheProgram("the program's bundle has no file header at byte %d" % at)
        path, size = header.group(1).decode(), int(header.group(2))
        start = header.end()
        source = bundle[start : start + size]
        if len(source) != size:
            raise NotTheProgram("the program's file %s.py ends before its %d bytes" % (path, size))
        name = path.replace("/", ".")
        modules[name[: -len(".__init__")] if name.endswith(".__init__") else name] = (path + ".py", source)
        at = start + size
    return modules


class Program(object):
    """Finds and loads the program's modules from the bundle, as a meta path finder and loader do
    (importlib.abc's MetaPathFinder and InspectLoader, whose import alone would cost the fault's
    onset some 30 ms); their source stays at hand, so that a traceback shows their lines."""

    def __init__(self, modules):
        self.modules = modules

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.modules:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=self.is_package(fullname))

    def create_module(self, spec):
        return None  # the usual module object

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)

    def is_package(self, fullname):
        return self.modules[fullname][0].endswith("/__init__.py")

    def get_source(self, fullname):
        return self.modules[fullname][1].decode("utf-8")

    def get_code(self, fullname):
        filename, source = self.modules[fullname]
        return compile(source, filename, "exec", dont_inherit=True)


def main(argv):
    mode, action, expected, parts = argv[2], argv[3], argv[4], argv[5:]
    try:
        bundle = bundle_of(parts)
        got = hashlib.sha256(bundle).hexdigest()
        if got != expected:
            raise NotTheProgram(
                "the program fetched (SHA-256 %s) is not the one this document runs (%s): "
                "deploy the document and its program parts together" % (got, expected)
            )
        modules = modules_of(bundle)
    except NotTheProgram as e:
        # The script's own failure line: JSON first, then the reason for people.
        print(json.dumps({"action": action, "error": str(e)}))
        print("http-reset-peer: %s" % e, file=sys.stderr)
        return EXIT_NOT_THE_PROGRAM
    if mode == "check":
        return 0
    sys.meta_path.insert(0, Program(modules))
    from http_reset_peer.__main__ import main as program_main

    return program_main(["http_reset_peer", action.lower()])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
