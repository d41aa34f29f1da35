"""The shell's reader (examples/langs/reader.sh: dd, od, xxd) plays ping-pong with the C writer
through a real mount, in both data paths."""
import langtest
from langtest import sfstest

langtest.require("xxd", "xxd", "dd", "od")


@sfstest.in_both_data_paths
class ShellReader(langtest.PingPongCase):
    def test_pingpong_with_c_writer(self):
        self.play(["sh", langtest.EXAMPLES + "/reader.sh"], "hello from the shell")


if __name__ == "__main__":
    langtest.main()
