// The GPU adapter a webgpu backend runs on: its description (kept with every run, docs/gpu.md) and the one
// way it is named in words, shared by the engine's logs, the catalogue, the CLI and the renderer.
// Pure TypeScript, no imports: the bottom of the layering like vocabulary.ts.

/** What WebGPU tells of an adapter (GPUAdapterInfo) plus the two limits the engine sizes buffers by. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe, SwiftShader): correct but slower than wasm. */
  software: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** One line naming an adapter: "nvidia nvidia-h200", "amd rdna-3" (no device name), "google swiftshader (software)". */
export function adapterLabel(a: GpuAdapterInfo): string {
  const name = [a.vendor, a.device || a.architecture || a.description].filter(Boolean).join(' ');
  return a.software ? `${name} (software)` : name;
}

/** A backend with its adapter when there is one: "webgpu on nvidia nvidia-h200", "wasm", "—" when unknown. */
export function backendLabel(backend: string | null | undefined, adapter: GpuAdapterInfo | null | undefined): string {
  if (!backend) return '—';
  return adapter ? `${backend} on ${adapterLabel(adapter)}` : backend;
}

const TEXT_FIELDS = ['vendor', 'architecture', 'device', 'description'] as const;
const LIMIT_FIELDS = ['maxBufferSize', 'maxStorageBufferBindingSize'] as const;
/** Longest name kept from a file: WebGPU names are short; a longer one is not an adapter's. */
const MAX_TEXT = 512;

/**
 * The adapter in a value read from a file (a run record, a catalogue column), or null when the value is
 * not one. Only the known fields are kept, so a hand-edited file cannot smuggle anything else along.
 */
export function parseAdapter(value: unknown): GpuAdapterInfo | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  for (const k of TEXT_FIELDS) if (typeof v[k] !== 'string' || (v[k] as string).length > MAX_TEXT) return null;
  for (const k of LIMIT_FIELDS) if (typeof v[k] !== 'number' || !Number.isFinite(v[k]) || (v[k] as number) < 0) return null;
  if (typeof v.software !== 'boolean') return null;
  return {
    vendor: v.vendor as string, architecture: v.architecture as string, device: v.device as string,
    description: v.description as string, software: v.software,
    maxBufferSize: v.maxBufferSize as number, maxStorageBufferBindingSize: v.maxStorageBufferBindingSize as number,
  };
}
