// Hash routing (#/datasets, #/train, …): works the same from file:// in Electron and over HTTP, and
// keeps the back button and bookmarks meaningful without a server-side route table.
import { parseHash, type Route } from '../lib/routes';

export class Router {
  route = $state<Route>(parseHash(location.hash));

  /** Follows hashchange events until the returned function is called. */
  listen(): () => void {
    const onChange = () => (this.route = parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }

  go(route: Route): void {
    location.hash = `#/${route}`;
  }
}
