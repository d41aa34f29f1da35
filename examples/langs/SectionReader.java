// The Java side of the ping-pong section (pingpong.md): maps the section's file in the mount
// with FileChannel.map, shared, and plays with the writer through the map alone.
//
//   javac -d . SectionReader.java && java -cp . SectionReader FILE
//   e.g. java -cp . SectionReader /run/sectionfs/Global/LangDemo
//
// The other side stores from another process, so the numbers are read and written through a
// VarHandle with acquire and release order: a plain getLong in a loop may be hoisted out of it
// by the JIT and never see a new ping.
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

public class SectionReader {
    static final int PING = 0, PONG = 8, WRITER_TEXT = 16, READER_TEXT = 64;
    static final long END = -1L;                  // 2^64-1 as Java's signed long
    static final long PATIENCE_MS = 30000;
    // The section's numbers are in host order.
    static final VarHandle U64 =
        MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    static String readText(MappedByteBuffer map, int offset, int max) {
        byte[] bytes = new byte[max];
        map.get(offset, bytes);
        int end = 0;
        while (end < max && bytes[end] != 0)
            end++;
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        MappedByteBuffer map;
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ,
                                                    StandardOpenOption.WRITE)) {
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
        }                                         // the map outlives the channel
        System.out.println("writer says: " + readText(map, WRITER_TEXT, 48));
        map.put(READER_TEXT, "hello from Java\0".getBytes(StandardCharsets.UTF_8));

        long last = 0;
        long since = System.currentTimeMillis();
        for (;;) {
            long ping = (long) U64.getAcquire(map, PING);
            if (ping == last) {
                if (System.currentTimeMillis() - since > PATIENCE_MS) {
                    System.err.println("no ping after " + last);
                    System.exit(1);
                }
                LockSupport.parkNanos(100_000);   // a tenth of a millisecond
                continue;
            }
            since = System.currentTimeMillis();
            if (ping == END) {
                U64.setRelease(map, PONG, END);
                break;
            }
            if (ping != last + 1) {
                System.err.println("ping " + Long.toUnsignedString(ping) + " out of turn after "
                                   + last);
                System.exit(1);
            }
            U64.setRelease(map, PONG, ping);
            last = ping;
        }
        System.out.println("rounds " + last);
    }
}
