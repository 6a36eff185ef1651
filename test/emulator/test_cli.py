"""The command line (sfemu_lib/cli.py), in process: option parsing and the org
the options describe.  --help, SIGTERM and the first output line are checked
from outside in test_contract.py."""

import contextlib
import io
import unittest

from sfemu_lib import cli, org
from sfemu_lib.control import FAULT_KEYS


class ParseArgsTest(unittest.TestCase):
    def test_defaults(self):
        args = cli.parse_args([])
        self.assertEqual((args.host, args.port, args.client_id, args.client_secret, args.dataset,
                          args.latency_ms, args.quirk, args.token_ttl, args.api_limit),
                         ("127.0.0.1", 0, org.DEFAULT_CLIENT_ID, org.DEFAULT_CLIENT_SECRET, "demo",
                          0, [], None, org.DEFAULT_API_LIMIT))

    def test_every_option(self):
        args = cli.parse_args(["--host", "::1", "--port", "8080", "--client-id", "i",
                               "--client-secret", "s", "--dataset", "none", "--latency-ms", "5",
                               "--quirk", "ne-null-exclude", "--quirk", "desc-nulls-first",
                               "--token-ttl", "0.5", "--api-limit", "10"])
        self.assertEqual(args.quirk, ["ne-null-exclude", "desc-nulls-first"])
        emu = cli.emulator(args)
        self.assertEqual((emu.client_id, emu.client_secret, emu.dataset, emu.latency,
                          emu.quirks, emu.token_ttl, emu.api_max),
                         ("i", "s", "none", 0.005, frozenset(org.QUIRKS), 0.5, 10))
        self.assertEqual(emu.store.sobjects, {})

    def test_refused(self):
        for argv in (["--dataset", "big"], ["--quirk", "nulls-last"], ["--port", "x"],
                     ["--api-limit", "1.5"], ["--bogus"], ["extra"]):
            err = io.StringIO()
            with self.assertRaises(SystemExit) as cm, contextlib.redirect_stderr(err):
                cli.parse_args(argv)
            self.assertEqual(cm.exception.code, 2, argv)
            self.assertIn("usage: sfemu", err.getvalue())

    def test_help_documents_every_fault_key(self):
        # The endpoints and options are checked from outside (test_contract.py);
        # the fault keys control.py accepts must each be in the --help text.
        out = io.StringIO()
        with self.assertRaises(SystemExit) as cm, contextlib.redirect_stdout(out):
            cli.parse_args(["--help"])
        self.assertEqual(cm.exception.code, 0)
        for key in FAULT_KEYS:
            self.assertIn('"%s"' % key, out.getvalue())


if __name__ == "__main__":
    unittest.main()
