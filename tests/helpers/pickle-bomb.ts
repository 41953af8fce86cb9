// Hostile `.pth` files built at test time (issue 20 item 2): a zip archive, written here byte by byte
// (PKWARE APPNOTE 4.3: local headers, central directory, end record), whose `archive/data.pkl` is a
// deflated run of one pickle opcode — 64 MiB of EMPTY_DICT deflates to about 65 KB. Nothing large is kept
// on disk or in git.
import { deflateRawSync, crc32 } from 'node:zlib';

interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate: boolean;
  /** The uncompressed size written in the headers (a liar declares less than it holds). */
  declaredSize?: number;
}

/** A zip archive of the members, deflated or stored as asked. */
export function zipArchive(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const body = m.deflate ? deflateRawSync(m.data, { level: 9 }) : Buffer.from(m.data);
    const crc = crc32(m.data);
    const size = m.declaredSize ?? m.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** PROTO 2, `count` copies of one opcode, STOP: the pickle of the bomb. */
export function opcodeRun(opcode: number, count: number): Uint8Array {
  const out = new Uint8Array(count + 3).fill(opcode);
  out[0] = 0x80;
  out[1] = 2;
  out[count + 2] = 0x2e;
  return out;
}

export const EMPTY_DICT = 0x7d;

/**
 * The bomb: a .pth of about 65 KB whose deflated data.pkl is `mib` MiB of EMPTY_DICT. `lie`
 * declares a 100-byte pickle in the zip headers instead of its true size.
 */
export function pickleBomb(mib = 64, opts: { lie?: boolean } = {}): Buffer {
  const pickle = opcodeRun(EMPTY_DICT, mib * 1024 * 1024);
  return zipArchive([
    { name: 'archive/data.pkl', data: pickle, deflate: true, declaredSize: opts.lie ? 100 : undefined },
    { name: 'archive/version', data: new TextEncoder().encode('3\n'), deflate: false },
  ]);
}
