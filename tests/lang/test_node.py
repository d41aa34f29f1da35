"""The Node.js reader (examples/langs/reader.js: fs.readSync and fs.writeSync at offsets) plays
ping-pong with the C writer through a real mount, in both data paths."""
import langtest
from langtest import sfstest

langtest.require("node", "node")


@sfstest.in_both_data_paths
class NodeReader(langtest.PingPongCase):
    def test_pingpong_with_c_writer(self):
        self.play(["node", langtest.EXAMPLES + "/reader.js"], "hello from Node.js")


if __name__ == "__main__":
    langtest.main()
