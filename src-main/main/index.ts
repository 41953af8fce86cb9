// Electron main process: the window, menus, native dialogs and IPC routing. Thin on purpose: the
// studio services do the work and the engine runs in a utility process. The window's security policy
// (app:// protocol, CSP, navigation and permission rules) is in ./policy.ts; docs/security.md.
import { app, BrowserWindow, Menu, dialog, ipcMain, nativeImage, net, protocol, session, shell } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHANNEL_PREFIX, type EventName } from '../shared/contract';
import { ProcessEngineHost } from '../engine-host/host';
import { createDispatcher } from '../studio/dispatch';
import { resolveHome } from '../catalogue/paths';
import { openStudio, type Studio } from '../studio/studio';
import { dragPayload, removeDragFiles, writeDragFile } from '../studio/drag';
import { writeFileAtomic, PUBLIC_MODES } from '../node/atomic';
import { spawnUtilityEngine } from './engine-process';
import { APP_CSP, APP_SCHEME, appFileFor, devRendererUrl, isAppUrl, navigationDecision, permissionAllowed, saveDialogName, startUrl } from './policy';

let studio: Studio | null = null;
/** The image under the pointer while a file is dragged out (startDrag needs one on macOS). */
const DRAG_ICON = () => nativeImage.createFromPath(path.join(__dirname, '../../resources/icon.png')).resize({ width: 32, height: 32 });
let win: BrowserWindow | null = null;

/** The dev server (electron-vite dev) only in an unpackaged app; never in a shipped one. */
const DEV_URL = devRendererUrl(process.env, app.isPackaged);
const RENDERER_ROOT = path.join(__dirname, '../renderer');

// Must run before `ready`: app:// behaves like https (secure context, own origin) instead of file://.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

/** Serves the built renderer on app://studio/ with the app's CSP; nothing outside out/renderer. */
function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, RENDERER_ROOT);
    if (!file) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href).catch(() => null);
    if (!res || !res.ok) return new Response('not found', { status: 404 });
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', APP_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: 200, headers });
  });
}

/** Locks down every web contents the app creates: navigation, redirects, frames, new windows, webviews. */
function guardContents(): void {
  app.on('web-contents-created', (_e, contents) => {
    const steer = (e: { preventDefault(): void }, url: string) => {
      const d = navigationDecision(url, DEV_URL);
      if (d === 'allow') return;
      e.preventDefault();
      if (d === 'external') void shell.openExternal(url);
    };
    contents.on('will-navigate', (e, url) => steer(e, url));
    contents.on('will-redirect', (e, url) => steer(e, url));
    contents.on('will-frame-navigate', (e) => {
      if (!isAppUrl(e.url, DEV_URL)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (navigationDecision(url, DEV_URL) === 'external') void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

function guardPermissions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((wc, permission, cb, details) => cb(permissionAllowed(permission, details.requestingUrl ?? wc.getURL(), DEV_URL)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, DEV_URL));
  ses.setDevicePermissionHandler(() => false);
  // The desktop renderer reaches the studio over IPC only: refuse any network request that is not
  // the dev server, in case CSP is ever loosened by mistake (app:// and file:// are not network).
  ses.webRequest.onBeforeRequest((details, cb) => {
    const network = /^(https?|wss?):/i.test(details.url);
    cb({ cancel: network && !isAppUrl(details.url, DEV_URL) });
  });
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
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  w.once('ready-to-show', () => w.show());
  void w.loadURL(startUrl(DEV_URL));
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
  guardContents();
  await app.whenReady();
  registerAppProtocol();
  guardPermissions();
  // BGPT_HOME wins; else Electron's per-user data folder.
  const home = process.env.BGPT_HOME ? resolveHome() : app.getPath('userData');
  const engine = new ProcessEngineHost(spawnUtilityEngine);
  studio = await openStudio({ home, engine, transport: 'electron', builtIns: 'background' });

  // Native dialogs live here, in main: the renderer only asks for them through the API.
  // The chosen paths stay here; the renderer gets an opaque handle it can pass to importPaths or
  // importModelPath (docs/security.md).
  const grants = studio.grants;
  studio.handlers.showOpenDialog = async (req) => {
    const r = req?.purpose === 'model'
      // The checkpoint, and optionally its reference trainer log (logs-*.txt): a log is read only if chosen here.
      // A zipped LoRA adapter folder imports the same way.
      ? await dialog.showOpenDialog(win ?? undefined!, {
        title: 'Import a bGPT model (and, for its curves, its logs-*.txt)', properties: ['openFile', 'multiSelections'],
        filters: [{ name: 'PyTorch checkpoint and its log, or a zipped LoRA adapter', extensions: ['pth', 'pt', 'txt', 'zip'] }],
      })
      : await dialog.showOpenDialog(win ?? undefined!, { title: 'Import files into a dataset', properties: ['openFile', 'openDirectory', 'multiSelections'] });
    return r.canceled || r.filePaths.length === 0 ? null : grants.grant(r.filePaths);
  };
  studio.handlers.saveFile = async ({ defaultName, bytes }) => {
    // Pre-filled from a name main builds (a sanitised base name in the Downloads folder), never a path
    // the renderer gives: a renderer must not steer the dialog to ~/.ssh/authorized_keys (docs/security.md).
    const r = await dialog.showSaveDialog(win ?? undefined!, { defaultPath: path.join(app.getPath('downloads'), saveDialogName(defaultName)) });
    if (r.canceled || !r.filePath) return null;
    await writeFileAtomic(r.filePath, bytes, PUBLIC_MODES);
    return r.filePath;
  };
  // A sample dragged out of the window (into a DAW, a folder): Electron needs a file on disk, written
  // to a temporary folder first (studio/drag.ts); the renderer asked on dragstart.
  studio.handlers.dragFile = async ({ file, name, as }) => {
    const bytes = await studio!.handlers.readFile(file);
    const dragged = await writeDragFile(dragPayload(bytes, name, as ?? 'original'));
    if (win && !win.isDestroyed()) win.webContents.startDrag({ file: dragged, icon: DRAG_ICON() });
  };

  const dispatch = createDispatcher(studio.handlers, (method, err) => console.error(`studio: ${method} failed:`, err));
  ipcMain.handle(`${CHANNEL_PREFIX}call`, (e, method: unknown, arg: unknown) => {
    // Only our own window's top frame may call the studio.
    if (!win || e.sender !== win.webContents || e.senderFrame !== win.webContents.mainFrame || !isAppUrl(e.senderFrame.url, DEV_URL)) {
      return { ok: false, error: { message: 'not allowed', code: 'FORBIDDEN' } };
    }
    return dispatch(method, arg);
  });
  studio.subscribe((event: EventName, payload: unknown) => {
    if (win && !win.isDestroyed()) win.webContents.send(`${CHANNEL_PREFIX}event`, event, payload);
  });

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
  void studio.close().then(() => removeDragFiles()).finally(() => app.quit());
});

main().catch(async (err) => {
  dialog.showErrorBox('bGPT Studio could not start', String((err as Error)?.message ?? err));
  await fs.appendFile(path.join(app.getPath('userData'), 'startup-error.log'), String((err as Error)?.stack ?? err) + '\n').catch(() => {});
  app.exit(1);
});
