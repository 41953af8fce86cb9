// The studio itself: its version, how a UI reaches it, and the engine's state.
import type { BackendName, GpuAdapterInfo } from './common';
import { none, takes } from './method';

export interface StudioInfo {
  version: string;
  /** How this UI reaches the studio. */
  transport: 'electron' | 'http';
  /** Native open/save dialogs exist (Electron); a browser uses upload and download instead. */
  nativeDialogs: boolean;
  home: string;
  engine: EngineStatus;
  /** Work the studio does behind the page after opening ("preparing built-in datasets…"); null or absent when none. */
  preparing?: string | null;
}

export interface EngineStatus {
  state: 'starting' | 'idle' | 'busy' | 'crashed' | 'stopped';
  backend: BackendName | null;
  /** The GPU adapter when the backend is webgpu (absent or null otherwise). */
  adapter?: GpuAdapterInfo | null;
  /** What the engine is doing, in words ("training run 3", "generating"). */
  activity: string | null;
  /** Set after a crash: the one-line reason. */
  error: string | null;
}

export const infoMethods = {
  /** Version, transport, home folder and the engine's state. */
  getInfo: takes(none).returns<StudioInfo>(),
};
