// Dragging a sample out of the desktop app into a DAW or a folder (docs/playback-and-prompts.md):
// Electron's webContents.startDrag needs a real file, so the bytes — an ABC tune converted to MIDI
// when asked — are written under a fresh temporary folder with a plain name. The window part is in
// main/index.ts; this part is tested without Electron.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { abcSampleToMidi } from '../formats/convert/export';
import type { FileBytes } from '../shared/contract';
import { UserError } from '../shared/errors';
import { extOf } from '../shared/patches';

/** Where drag files go: one folder per drag under it, removed when the app quits (removeDragFiles). */
export const DRAG_ROOT = path.join(os.tmpdir(), 'bgpt-studio-drag');

/** A name that is one plain file name on every platform: no folders, no reserved characters. */
export function dragFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f<>:"|?*]/g, '-').replace(/^\.+/, '').trim().slice(0, 120);
  return clean || 'sample';
}

/** The name and bytes to drag: the file as it is, or an ABC tune as MIDI (`as: 'midi'`). */
export function dragPayload(file: Pick<FileBytes, 'bytes'>, name: string, as: 'original' | 'midi'): { name: string; bytes: Uint8Array } {
  if (as === 'original') return { name: dragFileName(name), bytes: file.bytes };
  if (extOf(name).toLowerCase() === 'mid') return { name: dragFileName(name), bytes: file.bytes };
  const midi = abcSampleToMidi(file.bytes);
  if (!midi.ok) throw new UserError(`cannot drag ${name} as MIDI: ${midi.reason}`, 'BAD_REQUEST');
  return { name: dragFileName(name.replace(/\.[^.]*$/, '') + '.mid'), bytes: midi.bytes };
}

/** Writes the payload as `<root>/<fresh folder>/<name>`, readable by its owner (a DAW runs as the user). */
export async function writeDragFile(payload: { name: string; bytes: Uint8Array }, root = DRAG_ROOT): Promise<string> {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const dir = await fs.mkdtemp(path.join(root, 'drag-'));
  const file = path.join(dir, payload.name);
  await fs.writeFile(file, payload.bytes, { mode: 0o600 });
  return file;
}

/** Removes every drag file (at quit: a DAW that took one has copied or referenced it by then). */
export async function removeDragFiles(root = DRAG_ROOT): Promise<void> {
  await fs.rm(root, { recursive: true, force: true });
}
