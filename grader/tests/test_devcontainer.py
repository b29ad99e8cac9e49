"""make devcontainer-test's pure parts (grader/devcontainer.py): the host's
apt mirrors, podman's configuration, what it reads from devcontainer.json,
and the docs giving the same run arguments. The test itself needs root and
podman and runs from make devcontainer-test (CI), not here."""

import os
import resource
import unittest

from grader import devcontainer as dc
from grader.tests import fakes, kit


class DevcontainerTest(unittest.TestCase):
    def test_mirrors_from_deb822_and_one_line_sources(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        deb822 = os.path.join(tmp.path, "debian.sources")
        kit.write(deb822, "Types: deb\nURIs: http://mirror.example/debian/\n"
                          "Suites: bookworm bookworm-updates\nComponents: main\n\n"
                          "Types: deb\nURIs: http://sec.example/debian-security\n"
                          "Suites: bookworm-security\nComponents: main\n")
        line = os.path.join(tmp.path, "sources.list")
        kit.write(line, "deb [arch=amd64] http://other.example/debian bookworm main\n")
        self.assertEqual(dc.apt_mirrors((deb822, line)),
                         ("http://mirror.example/debian", "http://sec.example/debian-security"))
        self.assertEqual(dc.apt_mirrors((line,)),
                         ("http://other.example/debian", dc.DEFAULT_SECURITY))
        self.assertEqual(dc.apt_mirrors((os.path.join(tmp.path, "none"),)),
                         (dc.DEFAULT_MIRROR, dc.DEFAULT_SECURITY))
        sources = dc.sources_deb822("http://m/debian", "http://s/debian-security")
        self.assertIn("Suites: bookworm bookworm-updates", sources)
        self.assertIn("URIs: http://s/debian-security\nSuites: bookworm-security", sources)

    def test_containers_conf_within_the_hosts_limits(self):
        conf = dc.containers_conf()
        self.assertIn('runtime = "runc"', conf)
        limits = dict(kv.split("=") for kv in
                      conf.split("default_ulimits = [")[1].split("]")[0].replace('"', "")
                      .split(", "))
        for name, which in (("nofile", resource.RLIMIT_NOFILE), ("nproc", resource.RLIMIT_NPROC)):
            soft, hard = (int(v) for v in limits[name].split(":"))
            host = resource.getrlimit(which)[1]
            self.assertEqual(soft, hard)
            self.assertTrue(host == resource.RLIM_INFINITY or hard <= host, (name, hard, host))
        self.assertLessEqual(int(limits["nproc"].split(":")[1]), 32768)

    def test_the_docs_run_what_devcontainer_json_says(self):
        run_args, post = dc.devcontainer_spec(kit.ROOT)
        self.assertTrue(all(isinstance(a, str) for a in run_args))
        self.assertEqual(post, ["/bin/sh", "-c", "make setup"])
        for doc in ("README.md", os.path.join("docs", "devcontainer.md")):
            text = kit.read(os.path.join(kit.ROOT, doc))
            with self.subTest(doc=doc):
                self.assertIn(" ".join(["podman run -it --rm", *run_args,
                                        '-v "$PWD":/workspaces/kit']), text)
                self.assertIn("make setup", text)


if __name__ == "__main__":
    unittest.main()
