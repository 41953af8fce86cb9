// Short notices for things that happen away from the control that caused them (a run finished, the
// engine crashed). Errors stay until dismissed; other notices fade on their own.

export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

/** Long enough to read two lines; errors are never timed out. */
const TOAST_MS = 6000;
/** Older notices beyond this are dropped so the stack never covers the page. */
const MAX_TOASTS = 4;

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(kind: ToastKind, text: string): void {
    const toast = { id: this.#next++, kind, text };
    this.items = [...this.items, toast].slice(-MAX_TOASTS);
    if (kind !== 'error') setTimeout(() => this.dismiss(toast.id), TOAST_MS);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
