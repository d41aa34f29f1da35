"""The manual pages: each built page renders without a warning from man(1) and groff, names
itself as whatis/apropos read it, and sectionfs(8) documents every option fs/options.c accepts
with every value it accepts (a new option without its documentation fails here)."""
import os
import re
import shutil
import subprocess
import unittest

import sfstest

PAGES = os.environ.get("SECTIONFS_MAN_PAGES", os.path.join(sfstest.HERE, "../../build/docs/man"))
SOURCES = os.environ.get("SECTIONFS_MAN_SOURCES", os.path.join(sfstest.HERE, "../../docs/man"))
OPTIONS_C = os.environ.get("SECTIONFS_OPTIONS_C", os.path.join(sfstest.HERE, "../../fs/options.c"))
PAGE_NAMES = ("sectionfs.8", "winmap.3", "sectionfs-bridge.1", "sectionfs-ls.1")
# The FUSE command-line flags the daemon documents as its own (fuse_parse_cmdline's).
FLAGS = ("-f", "-d", "-h", "--help", "-V", "--version")


def option_table(source):
    """{option: [accepted words]} from options.c: the -o NAME=%s of the option table, and for
    those parsed with parse_choice the words of their choice list."""
    options = {name: [] for name in re.findall(r'RAW_OPT\("(\w+)=%s"', source)}
    lists = {m.group(1): re.findall(r'\{ "([^"]+)",', m.group(2))
             for m in re.finditer(r"struct choice (\w+)\[\] = \{(.*?)\{ NULL", source, re.S)}
    for option, choices in re.findall(r'parse_choice\("(\w+)", raw\.\w+, (\w+),', source):
        options[option] = lists[choices]
    return options


def undocumented(options, page_text):
    """What the page's text (as rendered by man) lacks: '-o NAME=' as an entry of its own, or
    one of the words on that entry's line."""
    missing = []
    for option, words in sorted(options.items()):
        entry = re.search(r"^\s*-o %s=(.*)$" % re.escape(option), page_text, re.M)
        if not entry:
            missing.append("-o %s=" % option)
            continue
        missing += ["-o %s=%s" % (option, w) for w in words
                    if not re.search(r"(^|[|\s])%s($|[|\s])" % re.escape(w), entry.group(1))]
    missing += [flag for flag in FLAGS
                if not re.search(r"^\s*(\S+, )?%s(,|$)" % re.escape(flag), page_text, re.M)]
    return missing


def rendered(page, width=80):
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH=str(width), MAN_KEEP_FORMATTING="")
    return subprocess.run(["man", "--no-hyphenation", "--no-justification", "-E", "UTF-8", "-l",
                           page], env=env, capture_output=True, text=True, timeout=60)


def built(name):
    return os.path.join(PAGES, name)


PAGES_BUILT = all(os.path.exists(built(n)) for n in PAGE_NAMES)
NO_PAGES = "skipped: the pages were not built (no scdoc: apt-get install scdoc, reconfigure)"


class Sources(unittest.TestCase):
    def test_every_page_has_a_source(self):
        for name in PAGE_NAMES:
            self.assertTrue(os.path.exists(os.path.join(SOURCES, name + ".scd")), name)

    def test_the_option_table_is_read(self):
        with open(OPTIONS_C) as f:
            options = option_table(f.read())
        # what options.c held when this test was written: the parser must keep finding them
        for option in ("sessions", "size", "nr_sections", "pagefile", "global_create",
                       "passthrough", "io_uring"):
            self.assertIn(option, options)
        self.assertEqual(options["sessions"], ["login", "posix", "none"])
        self.assertEqual(options["io_uring"], ["auto", "on", "off"])

    def test_the_check_finds_what_is_missing(self):
        options = {"sessions": ["login", "posix", "none"], "size": []}
        page = "   -o sessions=login|posix\n   -f\n   -d\n   -h, --help\n   -V, --version\n"
        self.assertEqual(undocumented(options, page), ["-o sessions=none", "-o size="])


@unittest.skipUnless(PAGES_BUILT, NO_PAGES)
@unittest.skipUnless(shutil.which("man") and shutil.which("groff"),
                     "skipped: no man or groff (apt-get install man-db)")
class Pages(unittest.TestCase):
    def test_pages_render_without_warnings(self):
        for name in PAGE_NAMES:
            with self.subTest(page=name):
                env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
                r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                                    built(name)], env=env, capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                self.assertTrue(r.stdout)
                g = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", built(name)],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual((g.returncode, g.stderr), (0, ""))

    def test_pages_name_themselves_for_whatis(self):
        for name in PAGE_NAMES:
            with self.subTest(page=name):
                r = subprocess.run(["lexgrog", built(name)], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                command = name.rsplit(".", 1)[0]
                self.assertRegex(r.stdout, r': "%s - \S' % re.escape(command))

    def test_pages_carry_the_version(self):
        version = subprocess.run([sfstest.SECTIONFS, "--version"], capture_output=True,
                                 text=True).stdout.split()[1]
        for name in PAGE_NAMES:
            with self.subTest(page=name):
                self.assertIn("sectionfs " + version, rendered(built(name)).stdout)

    def test_every_option_is_documented_in_sectionfs_8(self):
        with open(OPTIONS_C) as f:
            options = option_table(f.read())
        r = rendered(built("sectionfs.8"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(undocumented(options, r.stdout), [])

    def test_every_section_the_issue_asks_for_is_there(self):
        text = rendered(built("sectionfs.8")).stdout
        for heading in ("NAME", "SYNOPSIS", "OPTIONS", "LAYOUT", "SESSIONS", "PROTECTIONS",
                        "STAGING", "THE CAP", "DATA PATHS", "SIGNALS", "EXIT STATUS",
                        "MOUNT AND FSTAB", "SYSTEMD", "FILES", "EXAMPLES", "SEE ALSO"):
            self.assertRegex(text, r"(?m)^%s$" % heading)


if __name__ == "__main__":
    unittest.main()
