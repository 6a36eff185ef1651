"""soql/__init__.py: the public API the server, bulk.py and tests use, and
the ways the package is imported."""

import os
import re
import subprocess
import sys
import unittest

from sfemu_lib import soql

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sfemu_lib")
# The package's modules, each importing only modules before it (no cycles).
LAYERS = ["errors", "lexer", "dates", "parser", "fields", "order", "conditions", "output", "aggregate",
          "evaluator"]


class PackageTest(unittest.TestCase):
    def test_public_names(self):
        for name in soql.__all__ + ["MAX_OFFSET", "MAX_AGGREGATE_ROWS", "MAX_FIELDS_LIMIT", "MAX_SOQL_LENGTH",
                                    "MAX_STRING_LITERAL", "STRING_TYPES", "ID_TYPES", "NUMBER_TYPES",
                                    "COMPOUND_TYPES", "RESERVED", "AGGREGATES", "DATE_FUNCTIONS",
                                    "DATE_LITERALS", "DATE_N_LITERALS", "Token", "FieldItem", "AggItem",
                                    "Lit", "Cmp"]:
            self.assertTrue(hasattr(soql, name), name)
        self.assertEqual(soql.SoqlError("INVALID_FIELD", "m").body(),
                         [{"message": "m", "errorCode": "INVALID_FIELD"}])

    def test_modules_import_only_lower_layers(self):
        names = sorted(f[:-3] for f in os.listdir(os.path.join(LIB, "soql"))
                       if f.endswith(".py") and f != "__init__.py")
        self.assertEqual(names, sorted(LAYERS))
        for i, name in enumerate(LAYERS):
            with open(os.path.join(LIB, "soql", name + ".py")) as f:
                used = re.findall(r"^from \.(\w+) import", f.read(), re.M)
            for dep in used:
                self.assertIn(dep, LAYERS[:i], "%s imports %s" % (name, dep))

    def test_imported_as_a_top_level_package(self):
        # with sfemu_lib itself on sys.path, `import soql` finds store.py as a top-level module
        code = "import soql; print(soql.parse('SELECT Id FROM X WHERE d > 2024-01-01T00:00:00Z').sobject)"
        out = subprocess.run([sys.executable, "-c", code], cwd=LIB, capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=LIB))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "X")


if __name__ == "__main__":
    unittest.main()
