// The studio's views and how a location hash names one (#/datasets, #/train/…). The studio opens on
// the start path (docs/walkthrough.md, "Where to start").

export const ROUTES = ['start', 'datasets', 'models', 'train', 'generate', 'classify', 'library'] as const;
export type Route = (typeof ROUTES)[number];

const DEFAULT_ROUTE: Route = 'start';

/** The route named by a location hash, or the default for anything unknown. */
export function parseHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : DEFAULT_ROUTE;
}
