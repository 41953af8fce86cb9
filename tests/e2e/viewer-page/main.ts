// Test-only page for the viewers e2e: mounts ByteViewer on a fixture chosen by the URL
// (?file=NAME[&surprisal=1][&truncate=N]), or on a generated multi-megabyte text (?file=big.txt).
import { mount } from 'svelte';
import ByteViewer from '../../../src-renderer/viewers/ByteViewer.svelte';
import '../../../src-renderer/styles/global.css';

const FIXTURES = import.meta.glob('../../fixtures/viewers/*.{mid,wav,bmp,abc,txt}', { eager: true, query: '?url', import: 'default' }) as Record<string, string>;
/** Big enough that a non-virtualised view would build ~130 000 rows. */
const BIG_TEXT_LINES = 131_072;

function bigText(): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < BIG_TEXT_LINES; i++) lines.push(`line ${i + 1}: the quick brown fox jumps over the lazy dog`);
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

/** A made-up but structured surprisal: low in headers, a slow wave through the body, spikes every 97 bytes. */
function fakeSurprisal(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => (i < 64 ? 0.5 : 3 + 2.5 * Math.sin(i / 40) + (i % 97 === 0 ? 4 : 0)));
}

async function load(name: string): Promise<Uint8Array> {
  if (name === 'big.txt') return bigText();
  const url = Object.entries(FIXTURES).find(([path]) => path.endsWith(`/${name}`))?.[1];
  if (!url) throw new Error(`no fixture named ${name}`);
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const name = params.get('file') ?? 'scale.mid';
  const full = await load(name);
  const bytes = params.has('truncate') ? full.subarray(0, Number(params.get('truncate'))) : full;
  mount(ByteViewer, {
    target: document.getElementById('app')!,
    props: { name, ext: name.split('.').pop() ?? '', bytes, surprisal: params.get('surprisal') ? fakeSurprisal(bytes.length) : null },
  });
  document.body.dataset.ready = 'true';
}

void main();
