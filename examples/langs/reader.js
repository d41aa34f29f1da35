#!/usr/bin/env node
// The Node.js side of the ping-pong section (pingpong.md), with nothing but the fs module:
// fs.readSync and fs.writeSync at offsets (pread and pwrite), which through the mount see the
// writer's map and are seen by it at once.  No npm package maps files into a Buffer without
// being compiled against Node on the machine (README, "Other languages"), so this polls.
//
//   node reader.js FILE        e.g. node reader.js /run/sectionfs/Global/LangDemo
'use strict';
const fs = require('fs');
const os = require('os');

const PING = 0, PONG = 8, WRITER_TEXT = 16, READER_TEXT = 64;
const END = 0xFFFFFFFFFFFFFFFFn;
const PATIENCE_MS = 30000;

const fd = fs.openSync(process.argv[2], 'r+');
const little = os.endianness() === 'LE';      // the section's numbers are in host order
const number = Buffer.alloc(8);

function readU64(offset) {
  fs.readSync(fd, number, 0, 8, offset);
  return little ? number.readBigUInt64LE(0) : number.readBigUInt64BE(0);
}

function writeU64(offset, value) {
  const bytes = Buffer.alloc(8);
  if (little) bytes.writeBigUInt64LE(value); else bytes.writeBigUInt64BE(value);
  fs.writeSync(fd, bytes, 0, 8, offset);
}

function readText(offset, max) {
  const bytes = Buffer.alloc(max);
  fs.readSync(fd, bytes, 0, max, offset);
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end < 0 ? max : end);
}

// A millisecond's sleep without leaving this synchronous loop.
const napper = new Int32Array(new SharedArrayBuffer(4));
const nap = () => Atomics.wait(napper, 0, 0, 1);

console.log('writer says: ' + readText(WRITER_TEXT, 48));
fs.writeSync(fd, Buffer.from('hello from Node.js\0'), 0, undefined, READER_TEXT);

let last = 0n;
let since = Date.now();
for (;;) {
  const ping = readU64(PING);
  if (ping === last) {
    if (Date.now() - since > PATIENCE_MS) {
      console.error('no ping after ' + last);
      process.exit(1);
    }
    nap();
    continue;
  }
  since = Date.now();
  if (ping === END) {
    writeU64(PONG, END);
    break;
  }
  if (ping !== last + 1n) {
    console.error('ping ' + ping + ' out of turn after ' + last);
    process.exit(1);
  }
  writeU64(PONG, ping);
  last = ping;
}
fs.closeSync(fd);
console.log('rounds ' + last);
