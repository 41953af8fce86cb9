// Measures the memory of importing one large file (docs/security.md: a 60 MB file must not need
// 1 GB). Writes a 60 MB UTF-8 text file to a temporary folder, plans its import (read, hash, detect,
// validate) and prints {"fileBytes", "peakRssBytes", "rssGrowthBytes", "modality"} as JSON.
// Run: npx tsx scripts/import-memory.ts [MB]
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planImport } from '../src-main/datasets/import';

const mb = Number(process.argv[2] ?? 60);
const dir = mkdtempSync(path.join(os.tmpdir(), 'bgpt-import-mem-'));
try {
  const line = 'The quick brown fox jumps over the lazy dog, ünïcödé 0123456789.\n';
  const file = path.join(dir, 'big.txt');
  // Written in 1 MiB pieces so that making the file does not raise the memory high-water mark.
  const piece = Buffer.from(line.repeat(Math.ceil(2 ** 20 / Buffer.byteLength(line))));
  writeFileSync(file, '');
  for (let i = 0; i < mb; i++) appendFileSync(file, piece);
  globalThis.gc?.();
  // maxRSS is the kernel's high-water mark: it sees synchronous peaks a sampling timer would miss.
  const before = process.resourceUsage().maxRSS * 1024;
  const { plan } = await planImport([file], { home: path.join(dir, 'home'), seed: 0, maxFileBytes: 2 ** 30 });
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ fileBytes: plan.files[0]?.size ?? 0, peakRssBytes: peak, rssGrowthBytes: peak - before, modality: plan.files[0]?.modality ?? null }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
