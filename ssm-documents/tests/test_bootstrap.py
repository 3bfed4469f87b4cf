"""The bootstrap the document's script carries: it runs the program only from parts that make the
bundle the document was made with, and loads the program's modules from the bundle, in memory."""

import contextlib
import hashlib
import io
import json
import linecache
import os
import sys
import tempfile
import traceback
import unittest

SOURCES = os.path.join(os.path.dirname(__file__), "..", "src")
sys.path.insert(0, SOURCES)
import bootstrap  # noqa: E402 (the bootstrap lives beside the package, not in it)


def bundle_of_files(files):
    """The bundle as the renderer makes it: each (path, bytes) after its header."""
    return b"".join(b"# ==> %s (%d bytes) <==\n" % (path.encode(), len(content)) + content for path, content in files)


def program_files():
    root = os.path.join(SOURCES, "http_reset_peer")
    files = []
    for name in sorted(os.listdir(root)):
        if name.endswith(".py"):
            with open(os.path.join(root, name), "rb") as f:
                files.append(("http_reset_peer/" + name, f.read()))
    return files


def write_parts(folder, bundle, count=2):
    """The bundle cut at line ends into `count` part documents, as the agent writes them."""
    lines = bundle.decode().split("\n")[:-1]
    cut = len(lines) // count
    groups = [lines[i * cut : (i + 1) * cut if i < count - 1 else len(lines)] for i in range(count)]
    paths = []
    for i, group in enumerate(groups):
        path = os.path.join(folder, "program-%d.json" % (i + 1))
        document = {"schemaVersion": "2.2", "mainSteps": [{"action": "aws:runShellScript", "inputs": {"runCommand": ["exit 0"] + group}}]}
        with open(path, "w") as f:
            json.dump(document, f)
        paths.append(path)
    return paths


def run_bootstrap(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = bootstrap.main(["-", "http-reset-peer"] + list(argv))
    return code, out.getvalue(), err.getvalue()


class Bootstrap(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.bundle = bundle_of_files(program_files())
        self.sha = hashlib.sha256(self.bundle).hexdigest()
        self.parts = write_parts(self.folder, self.bundle)

    def tearDown(self):
        for name in os.listdir(self.folder):
            os.remove(os.path.join(self.folder, name))
        os.rmdir(self.folder)

    def test_the_parts_make_the_bundle_again(self):
        self.assertEqual(bootstrap.bundle_of(self.parts), self.bundle)

    def test_every_file_of_the_bundle_as_a_module(self):
        modules = bootstrap.modules_of(self.bundle)
        self.assertIn("http_reset_peer", modules)  # the package, from its __init__.py
        self.assertEqual(modules["http_reset_peer.proxy"][0], "http_reset_peer/proxy.py")
        self.assertEqual(dict(program_files())["http_reset_peer/proxy.py"], modules["http_reset_peer.proxy"][1])

    def test_check_passes_for_the_program_the_document_carries_the_digest_of(self):
        self.assertEqual(run_bootstrap("check", "Inject", self.sha, *self.parts), (0, "", ""))

    def test_another_program_is_refused_by_name_with_exit_3(self):
        code, out, err = run_bootstrap("check", "Cleanup", "0" * 64, *self.parts)
        self.assertEqual(code, 3)
        summary = json.loads(out)
        self.assertEqual(summary["action"], "Cleanup")
        self.assertRegex(summary["error"], r"^the program fetched \(SHA-256 [0-9a-f]{64}\) is not the one this document runs")
        self.assertEqual(err, "http-reset-peer: %s\n" % summary["error"])

    def test_a_missing_or_unreadable_part_is_refused_by_name(self):
        os.remove(self.parts[1])
        code, out, _ = run_bootstrap("check", "Inject", self.sha, *self.parts)
        self.assertEqual(code, 3)
        self.assertIn("program-2.json cannot be read as a fetched document", json.loads(out)["error"])
        with open(self.parts[1], "w") as f:
            f.write("<html>503</html>")
        self.assertEqual(run_bootstrap("check", "Inject", self.sha, *self.parts)[0], 3)

    def test_a_bundle_whose_headers_do_not_frame_it_is_refused(self):
        for bundle in (b"no header\n", b"# ==> http_reset_peer/x.py (99 bytes) <==\nshort\n"):
            with self.subTest(bundle=bundle), self.assertRaises(bootstrap.NotTheProgram):
                bootstrap.modules_of(bundle)

    def test_run_loads_the_program_from_memory_and_runs_its_action(self):
        files = [
            ("http_reset_peer/__init__.py", b'"""A program."""\n'),
            ("http_reset_peer/__main__.py", b"from .greeting import WORD\n\n\ndef main(argv):\n    print(WORD, argv[1])\n    return 7\n"),
            ("http_reset_peer/greeting.py", b'WORD = "hello"\n'),
        ]
        bundle = bundle_of_files(files)
        parts = write_parts(self.folder, bundle, count=1)
        saved = {name: module for name, module in sys.modules.items() if name.startswith("http_reset_peer")}
        for name in saved:
            del sys.modules[name]
        try:
            code, out, _ = run_bootstrap("run", "Inject", hashlib.sha256(bundle).hexdigest(), *parts)
        finally:
            sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, bootstrap.Program)]
            for name in [n for n in sys.modules if n.startswith("http_reset_peer")]:
                del sys.modules[name]
            sys.modules.update(saved)
        self.assertEqual((code, out), (7, "hello inject\n"))

    def test_a_traceback_shows_the_programs_own_lines(self):
        files = [("http_reset_peer/__init__.py", b""), ("http_reset_peer/broken.py", b"def fail():\n    raise RuntimeError('where')\n")]
        program = bootstrap.Program(bootstrap.modules_of(bundle_of_files(files)))
        code = program.get_code("http_reset_peer.broken")
        namespace = {"__name__": "http_reset_peer.broken", "__loader__": program}
        exec(code, namespace)
        try:
            namespace["fail"]()
        except RuntimeError:
            linecache.lazycache("http_reset_peer/broken.py", namespace)
            self.assertIn("raise RuntimeError('where')", traceback.format_exc())


if __name__ == "__main__":
    unittest.main()
