// Short notices for things that happen away from the control that caused them (a run finished, the
// engine crashed). Every notice can be dismissed and closes by itself — errors after longer — and an
// error goes when the user moves to another view: it belongs to what they were doing there.

export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

/** Long enough to read two lines. */
const TOAST_MS = 6000;
/** Errors: long enough to read and act on, never minutes over every view (issue 24 item 4). */
const ERROR_TOAST_MS = 20_000;
/** Older notices beyond this are dropped so the stack never covers the page. */
const MAX_TOASTS = 4;

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(kind: ToastKind, text: string): void {
    const toast = { id: this.#next++, kind, text };
    this.items = [...this.items, toast].slice(-MAX_TOASTS);
    setTimeout(() => this.dismiss(toast.id), kind === 'error' ? ERROR_TOAST_MS : TOAST_MS);
  }

  /** Another view was opened: its errors no longer apply (notices of other kinds fade on their own). */
  viewChanged(): void {
    if (this.items.some((t) => t.kind === 'error')) this.items = this.items.filter((t) => t.kind !== 'error');
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
