// Electron main process: the window, menus, native dialogs and IPC routing. Thin on purpose: the
// studio services do the work and the engine runs in a utility process.
import { app, BrowserWindow, Menu, dialog, ipcMain, session, shell } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CHANNEL_PREFIX, type EventName } from '../shared/contract';
import { EngineHost } from '../engine-host/host';
import { createDispatcher } from '../studio/dispatch';
import { resolveHome } from '../catalogue/paths';
import { openStudio, type Studio } from '../studio/studio';
import { writeFileAtomic } from '../node/atomic';
import { spawnUtilityEngine } from './engine-process';

let studio: Studio | null = null;
let win: BrowserWindow | null = null;

function rendererUrl(): string {
  return process.env.ELECTRON_RENDERER_URL ?? `file://${path.join(__dirname, '../renderer/index.html')}`;
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    title: 'bGPT Studio',
    icon: path.join(__dirname, '../../resources/icon.png'),
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  w.once('ready-to-show', () => w.show());
  // The studio is one local page: no navigation away, links open in the system browser.
  w.webContents.on('will-navigate', (e, url) => {
    if (url !== w.webContents.getURL()) e.preventDefault();
  });
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void w.loadURL(rendererUrl());
  return w;
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      { role: 'help', submenu: [{ label: 'bGPT paper (arXiv 2402.19155)', click: () => void shell.openExternal('https://arxiv.org/abs/2402.19155') }] },
    ]),
  );
}

async function main(): Promise<void> {
  await app.whenReady();
  // BGPT_HOME wins; else Electron's per-user data folder.
  const home = process.env.BGPT_HOME ? resolveHome() : app.getPath('userData');
  const engine = new EngineHost(spawnUtilityEngine);
  studio = await openStudio({ home, engine, transport: 'electron' });

  // Native dialogs live here, in main: the renderer only asks for them through the API.
  studio.handlers.showOpenDialog = async () => {
    const r = await dialog.showOpenDialog(win ?? undefined!, { title: 'Import files into a dataset', properties: ['openFile', 'openDirectory', 'multiSelections'] });
    return r.canceled ? null : r.filePaths;
  };
  studio.handlers.saveFile = async ({ defaultName, bytes }) => {
    const r = await dialog.showSaveDialog(win ?? undefined!, { defaultPath: defaultName });
    if (r.canceled || !r.filePath) return null;
    await writeFileAtomic(r.filePath, bytes);
    return r.filePath;
  };

  const dispatch = createDispatcher(studio.handlers, (method, err) => console.error(`studio: ${method} failed:`, err));
  ipcMain.handle(`${CHANNEL_PREFIX}call`, (e, method: unknown, arg: unknown) => {
    // Only our own window's top frame may call the studio.
    if (!win || e.sender !== win.webContents || e.senderFrame !== win.webContents.mainFrame) {
      return { ok: false, error: { message: 'not allowed', code: 'FORBIDDEN' } };
    }
    return dispatch(method, arg);
  });
  studio.subscribe((event: EventName, payload: unknown) => {
    if (win && !win.isDestroyed()) win.webContents.send(`${CHANNEL_PREFIX}event`, event, payload);
  });

  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
  buildMenu();
  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !studio) return;
  // Stop the engine (training saves its last checkpoint) and close the catalogue before leaving.
  e.preventDefault();
  quitting = true;
  void studio.close().finally(() => app.quit());
});

main().catch(async (err) => {
  dialog.showErrorBox('bGPT Studio could not start', String((err as Error)?.message ?? err));
  await fs.appendFile(path.join(app.getPath('userData'), 'startup-error.log'), String((err as Error)?.stack ?? err) + '\n').catch(() => {});
  app.exit(1);
});
