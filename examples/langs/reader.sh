#!/bin/sh
# The shell's side of the ping-pong section (pingpong.md), with nothing but dd, od and xxd:
# reads numbers and text at offsets with dd, patches numbers in place with xxd -r.  Through the
# mount, read() and write() see the writer's map and it sees them, at once.
#
#   reader.sh FILE        e.g. reader.sh /run/sectionfs/Global/LangDemo
set -eu
file=$1
END=18446744073709551615        # 2^64-1
PATIENCE=30                     # seconds (at least) without a new ping before giving up

# The 8-byte number at offset $1, in host order (od reads it as the host does).
read_u64() {
	dd if="$file" bs=8 skip=$(($1 / 8)) count=1 status=none | od -An -t u8 | tr -d ' '
}

# Writes $2 as an 8-byte little-endian number at offset $1: xxd -r patches the bytes of a hex
# dump line in place and leaves the rest of the file as it is.
write_u64() {
	hex=$(printf '%016x' "$2")
	le=""
	for i in 15 13 11 9 7 5 3 1; do
		le=$le$(echo "$hex" | cut -c"$i-$((i + 1))")
	done
	printf '%08x: %s\n' "$1" "$le" | xxd -r - "$file"
}

# The NUL-terminated text at offset $1, at most $2 bytes.
read_text() {
	dd if="$file" bs=1 skip="$1" count="$2" status=none | tr '\000' '\n' | head -n 1
}

[ "$(printf '\001\000' | od -An -t u2 | tr -d ' ')" = 1 ] || {
	echo "reader.sh: this host is big-endian; write_u64 writes little-endian" >&2
	exit 1
}
echo "writer says: $(read_text 16 48)"
printf 'hello from the shell\000' | dd of="$file" bs=1 seek=64 conv=notrunc status=none

last=0
waited=0
while :; do
	ping=$(read_u64 0)
	if [ "$ping" = "$last" ]; then
		sleep 0.001
		waited=$((waited + 1))
		[ "$waited" -lt $((PATIENCE * 200)) ] || { echo "no ping after $last" >&2; exit 1; }
		continue
	fi
	waited=0
	if [ "$ping" = "$END" ]; then
		write_u64 8 "$END"
		break
	fi
	[ "$ping" -eq $((last + 1)) ] || { echo "ping $ping out of turn after $last" >&2; exit 1; }
	write_u64 8 "$ping"
	last=$ping
done
echo "rounds $last"
