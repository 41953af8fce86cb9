// The webgpu legs of the engine suites need a WebGPU adapter. Without one they fail with this
// message (they never skip: CI installs Mesa's software Vulkan driver, so a missing one is a fault).
import { initBackend } from '../../../../src-main/engine/backend/backend';

export const LAVAPIPE_HINT =
  'the webgpu tests need a WebGPU adapter; without a GPU install Mesa\'s software Vulkan driver from Debian bookworm-backports ' +
  '(apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1; .ci/run does this)';

/** Starts the webgpu backend (any adapter, software included), or throws with the hint. */
export async function requireWebGpu(): Promise<void> {
  try {
    await initBackend('webgpu');
  } catch (err) {
    throw new Error(`${LAVAPIPE_HINT}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
