// Where the studio keeps its data: --home, else BGPT_HOME, else the platform's app-data folder.
import os from 'node:os';
import path from 'node:path';

/** The platform's per-user app-data folder for bGPT Studio (Electron passes app.getPath('userData')). */
function platformAppData(): string {
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'bGPT Studio');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'bGPT Studio');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'bgpt-studio');
}

export function defaultHome(fallback?: string): string {
  return path.resolve(process.env.BGPT_HOME || fallback || platformAppData());
}

export function resolveHome(flag: string | undefined): string {
  return flag ? path.resolve(flag) : defaultHome();
}
