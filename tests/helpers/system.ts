// What the suites need from the machine beyond Node and npm (README, "Set up"): each system package, how to
// tell it is there, and how to install it. `tests/setup/system.ts` probes them once per run; a suite that needs
// one asks `lacks(...)` for its `describe.skipIf`. On a machine without the package the suite is skipped and
// the run says so in one line naming the package and its install command; with CI=true a missing package
// fails the run instead (CI must test everything; `.ci/run` installs them).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type SystemNeed = 'chromium' | 'webgpu' | 'abcmidi' | 'torch';

export interface NeedInfo {
  /** What needs it, in words. */
  what: string;
  /** The Debian package(s). */
  packages: string;
  install: string;
}

export const NEEDS: Record<SystemNeed, NeedInfo> = {
  chromium: { what: 'the end-to-end suites (Playwright drives the system browser)', packages: 'chromium', install: 'apt-get install -y chromium' },
  webgpu: {
    what: 'the webgpu suites (a WebGPU adapter: a GPU, or Mesa 24+ software Vulkan)',
    packages: 'mesa-vulkan-drivers libvulkan1 (Debian 12: from bookworm-backports)',
    install: 'apt-get install -y -t bookworm-backports mesa-vulkan-drivers libvulkan1',
  },
  abcmidi: { what: 'the checks against abc2midi and abc2abc', packages: 'abcmidi', install: 'apt-get install -y abcmidi' },
  torch: { what: 'the checks that run the PyTorch reference', packages: 'python3-torch', install: 'apt-get install -y python3-torch' },
};

/** Candidate Chromium binaries, the e2e launcher's list (tests/e2e/browser.ts). */
export const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

const ENV = (need: SystemNeed) => `BGPT_TEST_HAS_${need.toUpperCase()}`;

/** Whether CI asked for every suite (`.ci/run` and CI services set CI=true). */
export function strict(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI ?? '');
}

/** A Dawn adapter can be created: probed in a child process, since a failing native addon must not take the runner down. */
function probeWebGpu(): boolean {
  const script = "import('webgpu').then(async ({ create, globals }) => { Object.assign(globalThis, globals); const a = await create([]).requestAdapter(); process.stdout.write(a ? 'yes' : 'no'); process.exit(0); }).catch(() => { process.stdout.write('no'); process.exit(0); });";
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  return r.stdout.trim() === 'yes';
}

/**
 * A python3 that imports torch: the one on PATH, else Debian's /usr/bin/python3 (python3-torch installs for it,
 * and a PATH python from pyenv or a venv does not see it).
 */
export function torchPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 }).status === 0) return py;
  }
  return null;
}

/** Probes one need now (the global setup calls this once per run and hands the answers to the workers). */
export function probe(need: SystemNeed): boolean {
  switch (need) {
    case 'chromium': return CHROMIUM_CANDIDATES.some((p) => !!p && existsSync(p));
    case 'webgpu': return probeWebGpu();
    case 'abcmidi': return spawnSync('abc2midi', ['-ver'], { encoding: 'utf8' }).error === undefined;
    case 'torch': return torchPython() !== null;
  }
}

/** The one line a run prints for a missing need. */
export function missingLine(need: SystemNeed): string {
  const n = NEEDS[need];
  return `skipped ${n.what}: install ${n.packages} (${n.install})`;
}

/**
 * True when the machine lacks `need` (skip the suite); throws under CI=true (a missing package is a fault there).
 * Answers come from the global setup's probe; without it (a file run some other way) the need is probed here.
 */
export function lacks(need: SystemNeed): boolean {
  const known = process.env[ENV(need)];
  const has = known === undefined ? probe(need) : known === '1';
  if (!has && strict()) throw new Error(`CI=true requires ${NEEDS[need].what}: ${NEEDS[need].install}`);
  return !has;
}

/** Records a probe's answer for the workers (called by the global setup before they start). */
export function record(need: SystemNeed, has: boolean): void {
  process.env[ENV(need)] = has ? '1' : '0';
}
