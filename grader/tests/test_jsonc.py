"""grader/jsonc.py reads the kit's .vscode/*.json and devcontainer.json
(JSON with comments) the way VS Code does."""

import glob
import os
import unittest

from grader import jsonc
from grader.tests import kit


class JsoncTest(unittest.TestCase):
    def test_comments_and_trailing_commas(self):
        text = """{
          // a line comment "with quotes"
          "a": "http://x//y", /* a block
          comment */ "b": [1, 2, ],
          "c": "quote \\" // not a comment",
        }"""
        self.assertEqual(jsonc.loads(text),
                         {"a": "http://x//y", "b": [1, 2], "c": 'quote " // not a comment'})

    def test_not_json(self):
        for text in ('{"a": 1 /* open', '{"a": }', "{'a': 1}"):
            with self.assertRaises(ValueError, msg=text):
                jsonc.loads(text)

    def test_the_kits_files_parse(self):
        paths = glob.glob(os.path.join(kit.ROOT, ".vscode", "*.json")) + \
            [os.path.join(kit.ROOT, ".devcontainer", "devcontainer.json")]
        self.assertGreaterEqual(len(paths), 4)
        for path in paths:
            with self.subTest(path=path):
                self.assertIsInstance(jsonc.load(path), dict)


if __name__ == "__main__":
    unittest.main()
