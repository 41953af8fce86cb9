// Migration 4: the GPU adapter a run trained on (docs/gpu.md), as the JSON of shared/adapter.ts's
// GpuAdapterInfo, so the library still names the GPU after the studio restarts. Webgpu runs only: other
// backends and rows from before keep NULL ("not recorded", never a made-up adapter).
import type { Migration } from './index';

const SQL = `
-- {vendor, architecture, device, description, software, maxBufferSize, maxStorageBufferBindingSize}
ALTER TABLE runs ADD COLUMN adapter TEXT CHECK (adapter IS NULL OR (json_valid(adapter) AND json_type(adapter) = 'object'));
`;

export const migration004: Migration = {
  version: 4,
  name: 'adapter',
  up: (tx) => tx.exec(SQL),
};
