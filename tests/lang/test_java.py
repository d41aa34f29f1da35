"""The Java reader (examples/langs/SectionReader.java: FileChannel.map, shared) plays ping-pong
with the C writer through a real mount, in both data paths.  Needs a JDK (javac), which
scripts/test does not install: skipped without one."""
import os
import shutil
import subprocess
import tempfile

import langtest
from langtest import sfstest

langtest.require("java", "javac", "java")

CLASSES = tempfile.mkdtemp(prefix="sectionfs-java-")


def setUpModule():
    subprocess.run(["javac", "-d", CLASSES, os.path.join(langtest.EXAMPLES, "SectionReader.java")],
                   check=True)


def tearDownModule():
    shutil.rmtree(CLASSES, ignore_errors=True)


@sfstest.in_both_data_paths
class JavaReader(langtest.PingPongCase):
    def test_pingpong_with_c_writer(self):
        self.play(["java", "-cp", CLASSES, "SectionReader"], "hello from Java")


if __name__ == "__main__":
    langtest.main()
