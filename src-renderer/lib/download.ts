// Browser export: hands bytes to the user as a file download (an object URL on a temporary link),
// the browser counterpart of Electron's save dialog.

/** Starts a download of `bytes` named `name`. */
export function downloadBytes(name: string, bytes: Uint8Array): void {
  const blob = new Blob([bytes.slice().buffer], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled; revoking at once cancels the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
