// Dragging a sample out of the desktop app (studio/drag.ts): the file Electron's startDrag is given —
// real bytes, an ABC tune turned into a MIDI file @tonejs/midi reads, a plain name in a fresh folder.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Midi } from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { dragFileName, dragPayload, removeDragFiles, writeDragFile } from '../../../src-main/studio/drag';
import { tempDir } from '../../helpers/temp';

describe('drag files', () => {
  it('keeps names to one plain file name', () => {
    expect(dragFileName('tune-reels-abc123.abc')).toBe('tune-reels-abc123.abc');
    expect(dragFileName('../../etc/passwd')).toBe('passwd');
    expect(dragFileName('a:b*c?.mid')).toBe('a-b-c-.mid');
    expect(dragFileName('..')).toBe('sample');
  });

  it('drags an ABC tune as MIDI, and refuses text that is no tune with the reason', () => {
    const abc = new Uint8Array(readFileSync('datasets/tunes/train/coleraine.abc'));
    const p = dragPayload({ bytes: abc }, 'tune-x-1.abc', 'midi');
    expect(p.name).toBe('tune-x-1.mid');
    expect(new Midi(p.bytes).tracks.flatMap((t) => t.notes).length).toBeGreaterThan(50);
    expect(dragPayload({ bytes: abc }, 'tune-x-1.abc', 'original')).toEqual({ name: 'tune-x-1.abc', bytes: abc });
    expect(() => dragPayload({ bytes: new TextEncoder().encode('hello') }, 'x.abc', 'midi')).toThrow(/cannot drag x\.abc as MIDI: it holds no tune/);
  });

  it('writes each drag into a fresh folder, owner-only, and removes them all at the end', async () => {
    const root = tempDir('bgpt-drag-test-');
    const a = await writeDragFile({ name: 'a.mid', bytes: Uint8Array.of(1, 2, 3) }, root);
    const b = await writeDragFile({ name: 'a.mid', bytes: Uint8Array.of(4) }, root);
    expect(path.dirname(a)).not.toBe(path.dirname(b));
    expect(path.basename(a)).toBe('a.mid');
    expect([...readFileSync(a)]).toEqual([1, 2, 3]);
    if (process.platform !== 'win32') expect(statSync(a).mode & 0o777).toBe(0o600);
    await removeDragFiles(root);
    expect(() => statSync(root)).toThrow();
  });
});
